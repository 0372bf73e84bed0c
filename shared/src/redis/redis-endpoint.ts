import { z } from "zod";
import { splitCommaList } from "../comma-list.ts";

/** A Redis Cluster node as `REDIS_CLUSTER_NODES` names it (`host:port`). */
export interface ClusterNode {
  host: string;
  port: number;
}

/**
 * Where the Node side's Redis is: one server at `url`, or, when `clusterNodes` is not empty, a
 * Redis Cluster found through those seed nodes (any few of its nodes: the client learns the rest
 * from `CLUSTER SLOTS`), logged into with `url`'s user, password and scheme (`rediss:` for TLS).
 */
export interface RedisEndpoint {
  url: string;
  clusterNodes: readonly ClusterNode[];
}

/** `host:port` items, comma-separated; empty is no cluster. IPv6 hosts in brackets: `[::1]:7000`. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return splitCommaList(text).map((item) => {
    const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535)
      throw new Error(`invalid Redis Cluster node ${JSON.stringify(item)}: expected host:port`);
    return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port };
  });
}

/** `REDIS_CLUSTER_NODES` as a config module reads it (zod), into {@link ClusterNode}s. */
export const clusterNodesSetting = z.string().transform((text, context) => {
  try {
    return parseClusterNodes(text);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

/** The nodes back as `REDIS_CLUSTER_NODES` writes them. */
export function formatClusterNodes(nodes: readonly ClusterNode[]): string {
  return nodes
    .map(({ host, port }) => `${host.includes(":") ? `[${host}]` : host}:${port}`)
    .join(",");
}
