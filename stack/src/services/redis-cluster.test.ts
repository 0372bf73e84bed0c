import { describe, expect, it } from "vitest";
import { parseClusterNodesListing } from "./redis-cluster.ts";

// CLUSTER NODES of Redis 7 after a failover: 17002 failed, its replica 17004 took its slots over.
const LISTING = `a1 127.0.0.1:17000@27000 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:17001@27001 master - 0 1700000000000 2 connected 5461-10922
c3 127.0.0.1:17002@27002 master,fail - 1700000000000 1700000000000 3 disconnected
d4 127.0.0.1:17003@27003 slave a1 0 1700000000000 1 connected
e5 127.0.0.1:17004@27004 master - 0 1700000000000 7 connected 10923-16000 16001-16383
f6 127.0.0.1:17005@27005 slave b2 0 1700000000000 2 connected
`;

describe("CLUSTER NODES as the stack reads it", () => {
  it("gives each live node its role, its primary and its slot ranges, and leaves failed ones out", () => {
    expect(parseClusterNodesListing(LISTING)).toEqual([
      { id: "a1", host: "127.0.0.1", port: 17000, role: "primary", slots: [[0, 5460]] },
      { id: "b2", host: "127.0.0.1", port: 17001, role: "primary", slots: [[5461, 10922]] },
      { id: "d4", host: "127.0.0.1", port: 17003, role: "replica", primaryId: "a1", slots: [] },
      {
        id: "e5",
        host: "127.0.0.1",
        port: 17004,
        role: "primary",
        slots: [
          [10923, 16000],
          [16001, 16383],
        ],
      },
      { id: "f6", host: "127.0.0.1", port: 17005, role: "replica", primaryId: "b2", slots: [] },
    ]);
  });
});
