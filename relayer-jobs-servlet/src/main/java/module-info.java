/** Mounts a {@link org.eventrelayer.jobs.JobRunner} as a Jakarta servlet. */
module org.eventrelayer.jobs.servlet {
  requires transitive org.eventrelayer.jobs;
  requires transitive jakarta.servlet;

  exports org.eventrelayer.jobs.servlet;
}
