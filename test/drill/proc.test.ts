import { spawn } from 'node:child_process';
import { descendants, freePorts } from '../../drill/topology/proc';

describe('descendants', () => {
  test('GIVEN a shell that started two children THEN both are found (so a "host" kill reaches them)', async () => {
    const sh = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
    try {
      let found: number[] = [];
      for (let i = 0; i < 50 && found.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        found = descendants(sh.pid!);
      }
      expect(found).toHaveLength(2);
      expect(found).not.toContain(sh.pid);
      for (const p of found) process.kill(p, 'SIGKILL');
    } finally {
      sh.kill('SIGKILL');
    }
  });

  test('GIVEN a pid with no children THEN none', () => {
    expect(descendants(2 ** 22 + 7)).toEqual([]);
  });
});

describe('freePorts', () => {
  test('GIVEN two separate calls (two regions of the drill) THEN no port is handed out twice', async () => {
    const first = await freePorts(40);
    const second = await freePorts(40);
    expect(new Set([...first, ...second]).size).toBe(80);
  });
});
