#!/bin/sh
set -eu
cd "$CI_PROJECT_DIR"
docker build -t "$CI_REGISTRY_IMAGE" .
echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
docker push "$CI_REGISTRY_IMAGE"
