/**
 * The CloudWatch agent's configuration contract, as facts taken from its published JSON schema
 * (`translator/config/schema.json` in aws/amazon-cloudwatch-agent, read 2026-12-03): which keys each
 * object may hold, which it must hold, and the type of each leaf. It covers the sections this
 * project writes (`agent`, `logs`) exactly and refuses what the agent itself refuses
 * (`additionalProperties: false`), so a config the boot writes can be checked here, offline, the
 * way `amazon-cloudwatch-agent-ctl -a fetch-config` would check it on the instance.
 */

type Leaf = 'string' | 'boolean' | 'integer' | 'string[]' | 'string[][]';

interface Shape {
  readonly keys: Readonly<Record<string, Leaf | Shape | ArrayOf>>;
  /** The schema's `additionalProperties` (true: other keys are allowed and not checked). */
  readonly open?: boolean;
  readonly required?: readonly string[];
  /** At least one key (`minProperties: 1`). */
  readonly nonEmpty?: boolean;
}

interface ArrayOf {
  readonly items: Shape;
  readonly minItems?: number;
}

const logGroupName: Leaf = 'string';

const metricDeclaration: Shape = {
  keys: {
    source_labels: 'string[]',
    label_matcher: 'string',
    label_separator: 'string',
    metric_selectors: 'string[]',
    dimensions: 'string[][]',
  },
};

const emfProcessor: Shape = {
  keys: {
    metric_declaration_dedup: 'boolean',
    metric_namespace: 'string',
    metric_unit: { keys: {}, open: true },
    metric_declaration: { items: metricDeclaration },
  },
};

/** `logs.metrics_collected.prometheus`: the Prometheus scrape whose samples become EMF logs. */
const prometheus: Shape = {
  keys: {
    cluster_name: 'string',
    log_group_name: 'string',
    prometheus_config_path: 'string',
    emf_processor: emfProcessor,
    ecs_service_discovery: { keys: {}, open: true },
    disable_metric_extraction: 'boolean',
  },
};

const collectListItem: Shape = {
  keys: {
    file_path: 'string',
    log_group_name: logGroupName,
    log_stream_name: 'string',
    log_group_class: 'string',
    multi_line_start_pattern: 'string',
    timestamp_format: 'string',
    timezone: 'string',
    trim_timestamp: 'boolean',
    encoding: 'string',
    auto_removal: 'boolean',
    backpressure_mode: 'string',
    blacklist: 'string',
    publish_multi_logs: 'boolean',
    retention_in_days: 'integer',
    filters: { items: { keys: { type: 'string', expression: 'string' } } },
    'service.name': 'string',
    'deployment.environment': 'string',
  },
  required: ['file_path'],
};

const logs: Shape = {
  keys: {
    // Only these three: `prometheus` belongs under metrics_collected, not here.
    logs_collected: {
      keys: {
        files: {
          keys: { collect_list: { items: collectListItem, minItems: 1 } },
          required: ['collect_list'],
        },
        windows_events: { keys: {}, open: true },
        application_signals: { keys: {}, open: true },
      },
      nonEmpty: true,
    },
    metrics_collected: {
      keys: { prometheus, ecs: { keys: {}, open: true }, kubernetes: { keys: {}, open: true } },
      open: true,
    },
    log_stream_name: 'string',
    force_flush_interval: 'integer',
    credentials: { keys: { role_arn: 'string' } },
    endpoint_override: 'string',
    'service.name': 'string',
    'deployment.environment': 'string',
    concurrency: 'integer',
  },
};

const agentConfig: Shape = {
  keys: {
    agent: { keys: {}, open: true },
    metrics: { keys: {}, open: true },
    logs,
    traces: { keys: {}, open: true },
    opentelemetry: { keys: {}, open: true },
  },
  open: true,
};

/**
 * Every problem with `config` against the agent's schema facts, each as `path: what is wrong`
 * (empty when valid). `logs` must also name `logs_collected` or `metrics_collected` (schema anyOf).
 */
export function agentConfigProblems(config: unknown): string[] {
  const problems: string[] = [];
  checkShape(config, agentConfig, '$', problems);
  const logsSection = (config as { logs?: Record<string, unknown> } | null)?.logs;
  if (
    logsSection &&
    typeof logsSection === 'object' &&
    !('logs_collected' in logsSection || 'metrics_collected' in logsSection)
  ) {
    problems.push('$.logs: needs logs_collected or metrics_collected');
  }
  return problems;
}

/** The CloudWatch Logs groups the config ships to (files and the Prometheus EMF group). */
export function agentLogGroups(config: unknown): string[] {
  const logsSection = (config as { logs?: Record<string, Record<string, unknown>> }).logs ?? {};
  const files = (logsSection.logs_collected?.files as { collect_list?: { log_group_name?: string }[] }) ?? {};
  const prom = logsSection.metrics_collected?.prometheus as { log_group_name?: string } | undefined;
  return [...(files.collect_list ?? []).map((f) => f.log_group_name), prom?.log_group_name].filter(
    (g): g is string => typeof g === 'string',
  );
}

function checkShape(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path}: must be an object`);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (shape.nonEmpty && Object.keys(obj).length === 0) problems.push(`${path}: must not be empty`);
  for (const key of shape.required ?? []) {
    if (!(key in obj)) problems.push(`${path}: missing required key '${key}'`);
  }
  for (const [key, child] of Object.entries(obj)) {
    const expected = shape.keys[key];
    const childPath = `${path}.${key}`;
    if (expected === undefined) {
      if (!shape.open) {
        problems.push(`${childPath}: not allowed here (allowed: ${Object.keys(shape.keys).join(', ')})`);
      }
      continue;
    }
    checkValue(child, expected, childPath, problems);
  }
}

function checkValue(
  value: unknown,
  expected: Leaf | Shape | ArrayOf,
  path: string,
  problems: string[],
): void {
  if (typeof expected === 'string') {
    if (!leafMatches(value, expected))
      problems.push(`${path}: must be ${expected}, got ${JSON.stringify(value)}`);
    return;
  }
  if ('items' in expected) {
    if (!Array.isArray(value)) {
      problems.push(`${path}: must be an array`);
      return;
    }
    if (value.length < (expected.minItems ?? 0))
      problems.push(`${path}: needs at least ${expected.minItems} item(s)`);
    value.forEach((item, i) => checkShape(item, expected.items, `${path}[${i}]`, problems));
    return;
  }
  checkShape(value, expected, path, problems);
}

function leafMatches(value: unknown, leaf: Leaf): boolean {
  switch (leaf) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'string[][]':
      return Array.isArray(value) && value.every((v) => leafMatches(v, 'string[]'));
  }
}
