// leaks tests: being written
