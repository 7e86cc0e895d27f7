package org.eventrelayer.jobs;

/**
 * Runs the jobs of one type, registered with {@link JobRunner.Builder#handler(String, JobHandler)}. Called on one
 * of the runner's job threads; a handler that runs longer than the runner's job timeout is interrupted, so
 * long-running handlers should honour {@link Thread#interrupted()}.
 */
@FunctionalInterface
public interface JobHandler {

  /**
   * Runs one job.
   *
   * @param job the job, its signature already verified
   * @throws Exception to fail the job: the endpoint answers 200 with {@code status: false}, the exception's
   *     message as {@code error} and its class name in {@code caught}
   */
  void run(Job job) throws Exception;
}
