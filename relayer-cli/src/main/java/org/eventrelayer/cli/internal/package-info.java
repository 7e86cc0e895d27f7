/**
 * The parts of the {@code eventrelayer} command: input reading, the purge pump and its back-pressure, progress
 * output, probes. Public only for wiring; not an API.
 */
package org.eventrelayer.cli.internal;
