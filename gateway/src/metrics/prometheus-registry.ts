/**
 * A Prometheus registry in Web-standard code (the gateway runs on Deno, Node and Workers runtimes).
 * prom-client, which the Node processes use, cannot come here: its Counter, Gauge and Histogram
 * import Node's `util` and its entry point `cluster`, `fs`, `perf_hooks` and `v8`. The Web-standard
 * registries on npm either keep every observation (promjs-plus sums an ever-growing array on each
 * observe) or compute labels per call. This one keeps what a press costs to a counter's addition and
 * a histogram's bucket search: a metric's label sets are bound once (`labels()`), outside the press.
 * It writes the text exposition format 0.0.4, which `promtool check metrics` checks in its test.
 */

type LabelValues = readonly string[];

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: LabelValues, extra = ""): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) pairs.push(extra);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

interface Family {
  render(): string;
}

export interface MetricOptions<Names extends string> {
  name: string;
  help: string;
  labelNames?: readonly Names[];
}

export class CounterChild {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class HistogramChild {
  /** Observations per bucket (not cumulative; the text is). The last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: readonly number[];
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${name} ${type}\n`;
}

/** Children by label values, created on first `labels()` and kept (label sets are few and fixed). */
class Children<Child> {
  readonly byKey = new Map<string, { values: LabelValues; child: Child }>();
  private readonly make: () => Child;
  constructor(make: () => Child) {
    this.make = make;
  }
  get(values: LabelValues): Child {
    const key = values.join("\u0000");
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { values: [...values], child: this.make() };
      this.byKey.set(key, entry);
    }
    return entry.child;
  }
}

export class Counter<Names extends string = never> implements Family {
  private readonly children = new Children(() => new CounterChild());
  private readonly labelNames: readonly string[];
  private readonly options: MetricOptions<Names>;
  constructor(options: MetricOptions<Names>) {
    this.options = options;
    this.labelNames = options.labelNames ?? [];
    if (this.labelNames.length === 0) this.children.get([]);
  }
  /** The series of these label values (in `labelNames` order): bind once, `inc()` per event. */
  labels(...values: string[]): CounterChild {
    return this.children.get(values);
  }
  inc(by = 1): void {
    this.children.get([]).inc(by);
  }
  render(): string {
    const { name, help } = this.options;
    let text = header(name, help, "counter");
    for (const { values, child } of this.children.byKey.values())
      text += `${name}${labelText(this.labelNames, values)} ${formatNumber(child.value)}\n`;
    return text;
  }
}

export class Histogram<Names extends string = never> implements Family {
  private readonly children: Children<HistogramChild>;
  private readonly labelNames: readonly string[];
  private readonly bounds: readonly number[];
  private readonly options: MetricOptions<Names>;
  constructor(options: MetricOptions<Names> & { buckets: readonly number[] }) {
    this.options = options;
    this.bounds = [...options.buckets].sort((a, b) => a - b);
    this.children = new Children(() => new HistogramChild(this.bounds));
    this.labelNames = options.labelNames ?? [];
    if (this.labelNames.length === 0) this.children.get([]);
  }
  labels(...values: string[]): HistogramChild {
    return this.children.get(values);
  }
  observe(value: number): void {
    this.children.get([]).observe(value);
  }
  render(): string {
    const { name, help } = this.options;
    let text = header(name, help, "histogram");
    for (const { values, child } of this.children.byKey.values()) {
      let cumulative = 0;
      const upperBounds = [...this.bounds, Number.POSITIVE_INFINITY];
      upperBounds.forEach((bound, i) => {
        cumulative += child.counts[i] as number;
        const le = `le="${formatNumber(bound)}"`;
        text += `${name}_bucket${labelText(this.labelNames, values, le)} ${cumulative}\n`;
      });
      const labels = labelText(this.labelNames, values);
      text += `${name}_sum${labels} ${formatNumber(child.sum)}\n`;
      text += `${name}_count${labels} ${child.count}\n`;
    }
    return text;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The metrics of one process, rendered together. */
export class Registry {
  private readonly families: Family[] = [];
  register<F extends Family>(family: F): F {
    this.families.push(family);
    return family;
  }
  metrics(): string {
    return this.families.map((family) => family.render()).join("");
  }
}
