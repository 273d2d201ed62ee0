// Start @20minutes/s3rver through its library API (the npm tarball ships no CLI).
// Usage: node run.js PORT DATA_DIR BUCKET [VERBOSE [ADDRESS]]   (ADDRESS: 127.0.0.1; test_mpi gives a network
// namespace's own)
// Credentials are s3rver's built-in account: S3RVER / S3RVER. SigV4 (header and presigned)
// is checked; unsigned requests are still accepted (s3rver treats them as anonymous).
'use strict'
const S3rver = require('@20minutes/s3rver')

const [port, directory, bucket, verbose, address = '127.0.0.1'] = process.argv.slice(2)
const server = new S3rver({
  port: Number(port),
  address,
  directory,
  silent: verbose !== '1',
  // Path-style only: 127.0.0.1 has no bucket sub-domains.
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
})

server.run().then(
  () => console.log(`s3rver listening on ${address}:${port}, data ${directory}, bucket ${bucket}`),
  (err) => {
    console.error(`s3rver failed to start: ${err && err.stack ? err.stack : err}`)
    process.exit(1)
  },
)

// Exit at once on TERM/INT: the objects live in a directory the stop script deletes, so there
// is nothing to flush (a graceful close() waits for keep-alive clients and for s3rver's logger).
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0))
}
