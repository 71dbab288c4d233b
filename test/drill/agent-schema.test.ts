import { agentConfigProblems, agentLogGroups } from '../../drill/boot/agent-schema';

const prometheus = {
  log_group_name: 'metrics',
  prometheus_config_path: '/etc/prometheus.yaml',
  emf_processor: {
    metric_namespace: 'ns',
    metric_declaration: [{ source_labels: ['job'], dimensions: [['route']] }],
  },
};
const files = { collect_list: [{ file_path: '/var/log/app.log', log_group_name: 'app' }] };

describe('CloudWatch agent schema facts', () => {
  test('GIVEN files under logs_collected and prometheus under metrics_collected THEN it is valid', () => {
    const config = { logs: { logs_collected: { files }, metrics_collected: { prometheus } } };
    expect(agentConfigProblems(config)).toEqual([]);
    expect(agentLogGroups(config)).toEqual(['app', 'metrics']);
  });

  test('GIVEN prometheus under logs_collected (the agent refuses it) THEN the problem names the path', () => {
    const problems = agentConfigProblems({ logs: { logs_collected: { files, prometheus } } });
    expect(problems).toEqual([
      expect.stringMatching(/^\$\.logs\.logs_collected\.prometheus: not allowed here/),
    ]);
  });

  test('GIVEN a collect_list entry without file_path and with an unknown key THEN both are reported', () => {
    const problems = agentConfigProblems({
      logs: { logs_collected: { files: { collect_list: [{ log_group_name: 'app', path: '/x' }] } } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "$.logs.logs_collected.files.collect_list[0]: missing required key 'file_path'",
        expect.stringMatching(/collect_list\[0\]\.path: not allowed here/),
      ]),
    );
  });

  test('GIVEN wrong leaf types and an empty logs section THEN each is reported', () => {
    expect(agentConfigProblems({ logs: { force_flush_interval: '5' } })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/force_flush_interval: must be integer/),
        '$.logs: needs logs_collected or metrics_collected',
      ]),
    );
    expect(agentConfigProblems({ logs: { logs_collected: {} } })).toEqual([
      '$.logs.logs_collected: must not be empty',
    ]);
  });

  test('GIVEN sections this project does not write THEN they pass unchecked, as the schema allows', () => {
    expect(
      agentConfigProblems({
        agent: { region: 'x', anything: 1 },
        logs: { metrics_collected: { prometheus } },
      }),
    ).toEqual([]);
  });
});
