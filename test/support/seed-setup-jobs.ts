/**
 * The job texts of seed setups 2 and 3 (shared/reference/seed-setups.md), verbatim, shared by the
 * tests that run them on the host engine and on docker+machine VMs.
 */
export const SETUP_2_JOB = `image-builder-machine:
  image: docker
  tags:
    - docker
  script:
    - docker build -t \${CI_REGISTRY_IMAGE} .
    - echo "\${CI_REGISTRY_PASSWORD}" | docker login -u \${CI_REGISTRY_USER} --password-stdin \${CI_REGISTRY}
    - docker push \${CI_REGISTRY_IMAGE}
`;

export const SETUP_3_JOB = `image-builder-dind:
  image: docker
  tags:
    - docker
  services:
    - name: docker:dind
      alias: docker-in-docker
  variables:
    DOCKER_HOST: tcp://docker-in-docker:2375/
  script:
    - docker build -t \${CI_REGISTRY_IMAGE} .
    - echo "\${CI_REGISTRY_PASSWORD}" | docker login -u \${CI_REGISTRY_USER} --password-stdin \${CI_REGISTRY}
    - docker push \${CI_REGISTRY_IMAGE}
`;
