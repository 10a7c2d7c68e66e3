"""xlar's Excel formula functions (xlwings UDFs).  See :mod:`udfs.ar`."""
