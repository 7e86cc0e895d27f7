/**
 * Implementation classes of the jobs module that must be public for wiring ({@link java.util.ServiceLoader}, the
 * servlet adapter) but are not API: they may change in any release.
 */
package org.eventrelayer.jobs.internal;
