package org.eventrelayer.jobs;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;

/**
 * One job to run, as described by a verified job event: the wiki {@link #database()} it belongs to, its
 * {@link #type()} (which chose the {@link JobHandler}) and its {@link #params()}.
 */
public final class Job {

  private final String database;
  private final String type;
  private final Map<String, Object> params;

  /**
   * Creates a job.
   *
   * @param database the wiki database name, e.g. {@code enwiki}
   * @param type the job type, e.g. {@code deleteJob}
   * @param params the job's parameters; held unmodifiable
   */
  public Job(String database, String type, Map<String, Object> params) {
    this.database = Objects.requireNonNull(database, "database");
    this.type = Objects.requireNonNull(type, "type");
    this.params = Collections.unmodifiableMap(Objects.requireNonNull(params, "params"));
  }

  /** The wiki database name, e.g. {@code enwiki}. */
  public String database() {
    return database;
  }

  /** The job type, e.g. {@code deleteJob}. */
  public String type() {
    return type;
  }

  /**
   * The job's parameters, as decoded from JSON (maps, lists, strings, numbers, booleans, nulls), with top-level
   * binary params ({@code data:application/octet-stream;base64,...}, as MediaWiki sends them) as {@code byte[]};
   * unmodifiable at the top level.
   */
  public Map<String, Object> params() {
    return params;
  }

  @Override
  public String toString() {
    return "Job{" + type + "@" + database + "}"; // params may hold user data: not logged by default
  }
}
