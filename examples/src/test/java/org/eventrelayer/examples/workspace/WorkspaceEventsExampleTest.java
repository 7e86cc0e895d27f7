package org.eventrelayer.examples.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Properties;
import org.eventrelayer.EventRelayerGroup;
import org.eventrelayer.RelayResult;
import org.eventrelayer.WorkspaceEvent;
import org.junit.jupiter.api.Test;

/** The example's bundled deploy.cfg builds a workspace-event relayer on KBase's listener keys. */
class WorkspaceEventsExampleTest {

  @Test
  void theBundledDeployCfgBuildsTheWorkspaceEventRelayer() throws Exception {
    Properties cfg = WorkspaceEventsExample.config(new String[] {"127.0.0.1:9", "workspaceevents"});
    EventRelayerGroup group = EventRelayerGroup.fromProperties(cfg);
    try {
      assertThat(group.getRelayer("workspace").stats().type()).isEqualTo("workspace-event");
      assertThat(group.serviceStats()).containsOnlyKeys("listener-Kafka");
      RelayResult r = group.getRelayer("workspace").notify("workspace", WorkspaceEvent.createWorkspace("a", 1));
      assertThat(r.allAccepted()).isTrue();
    } finally {
      group.close(Duration.ZERO);
    }
  }
}
