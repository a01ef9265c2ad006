// Package deploy holds Hearth's container build (Dockerfile) and a docker compose file
// running Hearth with its own PostgreSQL. Its test checks the compose file the way
// `docker compose config` does, with the same library.
package deploy
