// chaos tests: being written
