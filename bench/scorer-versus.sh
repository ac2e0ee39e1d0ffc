#!/usr/bin/env bash
# `bench scorer` of a baseline jar and of this build, alternating in one run, so that their
# ratio holds on a shared machine: per round the baseline, this build with the Vector API
# (--add-modules jdk.incubator.vector) and this build without it (blocked dot products the JIT
# may vectorise). Every JSON line gets a "build" field: baseline, vector or blocked. BUILDS picks
# some of them (default: all three, in that order), or adds "cold": this build with the Vector API
# but without the broker mode's warm-up (--warm-up-embeddings 0), as baseline jars before that
# option measured, so that its JIT compilations fall into the measured phase; or "backlog": this
# build with the Vector API and --producer backlog (the measured embeddings produced while the
# scorer is paused, timed from its resume: the scorer's own capacity through the broker, which
# baseline jars before that option cannot measure).
#
#   bench/scorer-versus.sh BASELINE_JAR ROUNDS [bench scorer options]
#   bench/scorer-versus.sh /work/baseline/alignstream-9091bb4.jar 1 --cases 1280x100 --modes in-process,broker
#   BUILDS="baseline vector" bench/scorer-versus.sh BASELINE_JAR 2 --cases 1280x100 --modes broker
#   BUILDS="baseline cold vector" bench/scorer-versus.sh BASELINE_JAR 1 --cases 1280x100 --modes broker
#   BUILDS="baseline vector backlog" bench/scorer-versus.sh BASELINE_JAR 1 --cases 1280x100 --modes broker
set -euo pipefail
baseline=${1:?usage: $0 BASELINE_JAR ROUNDS [bench scorer options]}
rounds=${2:?usage: $0 BASELINE_JAR ROUNDS [bench scorer options]}
shift 2
jar=$(dirname "$0")/../target/alignstream.jar
label() { sed -u "s/^{/{\"build\":\"$1\",/"; }
builds=${BUILDS:-baseline vector blocked}
for ((round = 1; round <= rounds; round++)); do
  for build in $builds; do
    case $build in
      # the module as for this build: a baseline with Vector API dot products uses them (one without ignores it);
      # (the JVM warns once that an incubator module is in use)
      baseline) java --add-modules jdk.incubator.vector -jar "$baseline" bench scorer "$@" \
        2> >(grep -v "incubator module" >&2) | label baseline ;;
      vector) java --add-modules jdk.incubator.vector -jar "$jar" bench scorer "$@" 2> >(grep -v "incubator module" >&2) \
        | label vector ;;
      cold) java --add-modules jdk.incubator.vector -jar "$jar" bench scorer --warm-up-embeddings 0 "$@" \
        2> >(grep -v "incubator module" >&2) | label cold ;;
      backlog) java --add-modules jdk.incubator.vector -jar "$jar" bench scorer --producer backlog "$@" \
        2> >(grep -v "incubator module" >&2) | label backlog ;;
      blocked) java -Dalignstream.vector=false -jar "$jar" bench scorer "$@" | label blocked ;;
      *) echo "unknown build '$build' in BUILDS (baseline, vector, cold, backlog, blocked)" >&2; exit 2 ;;
    esac
  done
done
