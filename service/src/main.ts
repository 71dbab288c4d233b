/**
 * Entry point of the bundle (`node index.js`): configuration only from environment variables, graceful drain on
 * SIGTERM/SIGINT (systemd stop, ASG scale-in), exit non-zero on fatal errors so systemd restarts the service.
 *
 * Exit codes: 0 clean shutdown; 75 (EX_TEMPFAIL) required configuration not available yet, e.g. the SSM
 * parameters the boot reads do not exist yet (restart later); 78 (EX_CONFIG) configuration present but invalid
 * (a restart cannot fix it: the unit sets RestartPreventExitStatus=78); 1 anything else (restart).
 */
import { ConfigError, parseConfig } from './config';
import { createService, Service } from './service';

/** Reads and applies the configuration, or exits 75/78 after writing every problem to stderr. */
function configure(): Service {
  try {
    return createService(parseConfig(process.env));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n(exit ${err.exitCode})\n`);
    process.exit(err.exitCode);
  }
}

async function main(): Promise<void> {
  const service = configure();
  const { logger } = service;

  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutdown requested');
      service.shutdown().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  await service.start();
}

main().catch((err) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
