#!/usr/bin/env bash
# `bench scorer --modes broker` of this build under several Kafka Streams / client settings,
# alternating within each round, so that what each setting gives holds on a shared machine.
# Every JSON line gets a "setting" field. Compare embeddings/s only within one run; the
# scorer's and the process's CPU time per embedding (scorer_cpu_us_per_embedding,
# process_cpu_us_per_embedding) hold across loads.
#
#   bench/scorer-settings.sh ROUNDS [bench scorer options]
#   bench/scorer-settings.sh 1 --cases 1280x10
#   SETTINGS="default vector-blob-files" bench/scorer-settings.sh 2 --cases 1280x100   (some of them)
#   SETTINGS="default commit-500ms" bench/scorer-settings.sh 1 --cases 1280x100 --producer live,backlog
set -euo pipefail
rounds=${1:?usage: $0 ROUNDS [bench scorer options]}
shift
jar=$(dirname "$0")/../target/alignstream.jar
settings=(
  "default|"
  "commit-250ms|--commit-interval-ms 250"
  "commit-500ms|--commit-interval-ms 500"
  "commit-1000ms|--commit-interval-ms 1000"
  "stream-threads-2|--stream-threads 2"
  "cache-64m|-X statestore.cache.max.bytes=67108864"
  "producer-batch-256k|-X batch.size=262144"
  "fetch-4m-poll-2000|-X max.partition.fetch.bytes=4194304 -X max.poll.records=2000"
  "vector-blob-files|-X rocksdb.config.setter=io.alignstream.scorer.stream.RocksDbSettings"
)
for ((round = 1; round <= rounds; round++)); do
  for setting in "${settings[@]}"; do
    name=${setting%%|*}
    if [[ -n ${SETTINGS:-} && " $SETTINGS " != *" $name "* ]]; then
      continue
    fi
    read -r -a options <<< "${setting#*|}"
    # (the JVM warns once that an incubator module is in use)
    java --add-modules jdk.incubator.vector -jar "$jar" bench scorer --modes broker "$@" "${options[@]}" \
      2> >(grep -v "incubator module" >&2) | sed -u "s/^{/{\"setting\":\"$name\",/"
  done
done
