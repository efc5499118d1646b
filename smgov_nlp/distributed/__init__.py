"""Scale-out on Dask distributed (the ``[dask]`` extra): ``--scheduler`` for score, cluster and precode."""
