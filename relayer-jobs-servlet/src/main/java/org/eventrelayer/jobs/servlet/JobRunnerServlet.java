package org.eventrelayer.jobs.servlet;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.eventrelayer.jobs.JobRunner;

/**
 * Serves a {@link JobRunner} as a Jakarta Servlet (6.0+): map it to the RunJob route (e.g.
 * {@code /eventbus/v0/internal/job/execute}) in any container. Every method reaches the runner, which answers
 * 405 to all but {@code POST}; the body is read up to the runner's {@link JobRunner#maxBodyBytes()}. The servlet
 * does not own the runner: close the runner with the host.
 *
 * <pre>{@code
 * // Spring Boot
 * @Bean
 * ServletRegistrationBean<JobRunnerServlet> runJob(JobRunner runner) {
 *   return new ServletRegistrationBean<>(new JobRunnerServlet(runner), JobRunner.DEFAULT_ROUTE);
 * }
 * }</pre>
 */
public final class JobRunnerServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final transient JobRunner runner;

  /**
   * Creates the servlet.
   *
   * @param runner the runner to serve
   */
  public JobRunnerServlet(JobRunner runner) {
    this.runner = Objects.requireNonNull(runner, "runner");
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    // Reads at most maxBodyBytes + 1 bytes, whatever Content-Length claims.
    JobRunner.Response answer =
        runner.handle(request.getMethod(), request.getContentType(), request.getInputStream());
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    response.setStatus(answer.status());
    for (Map.Entry<String, String> h : answer.headers().entrySet()) {
      response.setHeader(h.getKey(), h.getValue());
    }
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
