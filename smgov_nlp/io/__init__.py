"""Reading inputs (:mod:`.readers`) and writing outputs atomically (:mod:`.writers`)."""
