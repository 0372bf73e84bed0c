/** A small Prometheus text-format registry: counters and gauges, labels optional. */
export function createMetrics(prefix = "coupon_drop") {
  const counters = new Map<string, { help: string; values: Map<string, number> }>();
  const gauges = new Map<string, { help: string; read: () => Promise<Array<[string, number]>> }>();

  function labelKey(labels: Record<string, string> = {}): string {
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
    return parts.length ? `{${parts.join(",")}}` : "";
  }

  return {
    counter(name: string, help: string) {
      const entry = { help, values: new Map<string, number>() };
      counters.set(`${prefix}_${name}`, entry);
      return {
        inc(by = 1, labels?: Record<string, string>) {
          const key = labelKey(labels);
          entry.values.set(key, (entry.values.get(key) ?? 0) + by);
        },
        get(labels?: Record<string, string>) {
          return entry.values.get(labelKey(labels)) ?? 0;
        },
      };
    },
    /** A gauge read when scraped; `read` returns label sets and values. */
    gauge(
      name: string,
      help: string,
      read: () => Promise<Array<[Record<string, string>, number]>>,
    ) {
      gauges.set(`${prefix}_${name}`, {
        help,
        read: async () => (await read()).map(([labels, value]) => [labelKey(labels), value]),
      });
    },
    async render(): Promise<string> {
      const lines: string[] = [];
      for (const [name, { help, values }] of counters) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
        if (values.size === 0) lines.push(`${name} 0`);
        for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
      }
      for (const [name, { help, read }] of gauges) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
        const values = await read().catch(() => []);
        for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
      }
      return `${lines.join("\n")}\n`;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
