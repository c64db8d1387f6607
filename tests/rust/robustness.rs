// robustness tests: being written
