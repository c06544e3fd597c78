"""The memtech benchmark: bench/generate.py builds the data set, bench/run.py measures it (`make bench`)."""
