/**
 * Probe and regression jobs: their configuration ({@link io.alignstream.scorer.jobs.AnalysisConfig},
 * the human targets), when a setting is due ({@link io.alignstream.scorer.jobs.AnalysisSchedule}),
 * the worker threads off the stream threads ({@link io.alignstream.scorer.jobs.AnalysisJobs}) and
 * the records they publish ({@link io.alignstream.scorer.jobs.AnalysisResults}). Runs the engines
 * of {@code analysis} on inputs copied from {@code state}; depends on those two only.
 */
package io.alignstream.scorer.jobs;
