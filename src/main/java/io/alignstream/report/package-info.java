/**
 * {@code alignstream report} and the figures the dashboard shares with it.
 * <ul>
 *   <li>the results: {@link io.alignstream.report.Results} (from the topics by
 *       {@link io.alignstream.report.TopicResults}, or from a demo report JSON), the model
 *       comparison ({@link io.alignstream.report.ModelComparison}) and published figures the user
 *       gave ({@link io.alignstream.report.PublishedResults});
 *   <li>the figures, as SVG: {@link io.alignstream.report.Figures} lists them and holds what they
 *       share (empty states, scales); one class per kind draws it:
 *       {@link io.alignstream.report.AccuracyPanels} (accuracy and probes per layer),
 *       {@link io.alignstream.report.ModelsFigure} (the models side by side),
 *       {@link io.alignstream.report.R2HeatMap} (R^2 per human dimension),
 *       {@link io.alignstream.report.ReconstructionFigure} (Figure 4); their vocabulary (layer
 *       colours, geometry, text widths) is {@link io.alignstream.report.FigureStyle}, their writer
 *       {@link io.alignstream.report.Svg};
 *   <li>the folder: {@link io.alignstream.report.ReportFolder} writes the figures,
 *       {@link io.alignstream.report.ResultTables}' CSV files and
 *       {@link io.alignstream.report.ReportPage}'s {@code index.html}; PNG copies come from
 *       {@code browser}.
 * </ul>
 */
package io.alignstream.report;
