// Image names come from the environment: the official images by default (a machine with
// internet needs nothing), images built locally from Debian's binaries on an offline one
// (scripts/bootstrap prints the REGOPS_TEST_*_IMAGE variables; scripts/test sets them).
export const IMAGES = {
  redis: process.env.REGOPS_TEST_REDIS_IMAGE ?? "redis:7.0.15",
  registry: process.env.REGOPS_TEST_REGISTRY_IMAGE ?? "registry:2.8.2",
  notaryServer: process.env.REGOPS_TEST_NOTARY_SERVER_IMAGE ?? "notary:server-0.7.0",
  busybox: process.env.REGOPS_TEST_BUSYBOX_IMAGE ?? "busybox:1.35",
};
