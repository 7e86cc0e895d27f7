/** The demo's {@code --outbox} mode: purges written in the host's own H2 transactions through a transactional outbox. */
package org.eventrelayer.examples.demo.outbox;
