// UNIXSOCK-mode integration tests: being written
