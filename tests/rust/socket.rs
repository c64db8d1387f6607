// SOCKET-mode integration tests: being written
