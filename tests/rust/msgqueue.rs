// MSGQUEUE-mode integration tests: being written
