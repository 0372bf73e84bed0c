import type { SystemUnderTest } from "./system.ts";

/** Where each process of a running system serves `/metrics` (`host:port`), by scrape job. */
export function scrapeTargets(system: SystemUnderTest): Record<string, string[]> {
  const hostPort = (url: string) => new URL(url).host;
  return {
    "coupon-drop-gateway": [hostPort(system.graphqlUrl)],
    "coupon-drop-control": [hostPort(system.internalApiUrl)],
    "coupon-drop-workers": system.workers().map((w) => hostPort(w.spec.healthUrl as string)),
  };
}

/**
 * The metric names every process of the system exports now, read from their `/metrics` as a
 * scraper reads them: each family's name, and a histogram's `_bucket`, `_sum` and `_count` series.
 */
export async function exportedMetricNames(
  system: SystemUnderTest,
  authorization?: string,
): Promise<Set<string>> {
  const names = new Set<string>();
  for (const targets of Object.values(scrapeTargets(system))) {
    for (const target of targets) {
      const response = await fetch(`http://${target}/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      if (!response.ok) throw new Error(`${target}/metrics answered ${response.status}`);
      for (const line of (await response.text()).split("\n")) {
        const typed = /^# TYPE (\S+) (\S+)/.exec(line);
        if (!typed) continue;
        const [, name, type] = typed as unknown as [string, string, string];
        names.add(name);
        if (type === "histogram" || type === "summary")
          for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
      }
    }
  }
  return names;
}
