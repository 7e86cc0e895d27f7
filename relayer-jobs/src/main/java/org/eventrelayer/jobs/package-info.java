/**
 * Jobs as events, the other half of MediaWiki's EventBus: the {@code job} relayer type signs job events with
 * {@code mediawiki_signature}, and {@link org.eventrelayer.jobs.JobRunner} is the RunJob endpoint a job dispatcher
 * hands them back to, running each on the {@link org.eventrelayer.jobs.JobHandler} registered for its type.
 */
package org.eventrelayer.jobs;
