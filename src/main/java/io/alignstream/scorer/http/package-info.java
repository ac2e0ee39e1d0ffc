/**
 * The scorer's HTTP surface: {@link io.alignstream.scorer.http.ScorerHttpApi} serves REST, the
 * dashboard (its resources sit beside it) and Server-Sent Events;
 * {@link io.alignstream.scorer.http.MetricsQuery} answers from the state stores of whichever
 * instance holds a setting; {@link io.alignstream.scorer.http.MetricFeed} follows the output
 * topics into the {@link io.alignstream.scorer.http.EventHub}; the views are the JSON the API
 * and the report share. Depends on {@code stream} (store names, readiness) and {@code ceiling}.
 */
package io.alignstream.scorer.http;
