/**
 * Debian's headless Chromium, found on the machine ({@link io.alignstream.report.browser.HeadlessChromium})
 * and driven over the DevTools protocol with the JDK's WebSocket client
 * ({@link io.alignstream.report.browser.DevToolsBrowser}): it renders the report's PNG copies of
 * the figures, and the browser tests use it to measure the dashboard and the report page. Depends
 * on nothing else of the report.
 */
package io.alignstream.report.browser;
