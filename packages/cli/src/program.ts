import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { demo } from './commands/demo.ts';
import { doctor } from './commands/doctor.ts';
import { REPORT_FORMATS, report } from './commands/report.ts';
import { serve } from './commands/serve.ts';
import { timeline } from './commands/timeline.ts';
import { track } from './commands/track.ts';
import { loadDotenv } from './config.ts';
import { EXIT, exitCodeFor, explain } from './explain.ts';
import { type Io, processIo } from './io.ts';
import { LOG_LEVELS } from './logger.ts';
import { isTimeZone } from './range.ts';
import { releaseSignals } from './signals.ts';

const CONFIG_HELP =
  'configuration file: native JSON or a params.json (default: $PRESENCE_TRACKER_CONFIG, ./presence-tracker.json, ./params.json, else the MM_* environment)';

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected a whole number >= ${min}.`
          : `expected a whole number from ${min} to ${max}.`,
      );
    }
    return n;
  };
}

function timeZone(value: string): string {
  if (!isTimeZone(value)) {
    throw new InvalidArgumentError('expected an IANA time zone such as Europe/Berlin or UTC.');
  }
  return value;
}

/** The picture widths core's timeline draws. */
const WIDTH = { min: 300, max: 20_000 };

/**
 * The `presence-tracker` command, ready to parse. Each action stores its exit code through
 * `setExitCode`, since commander's actions return nothing to the caller.
 */
export function createProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('presence-tracker')
    .description(
      "Watch people's presence on Microsoft Teams, Mattermost, Slack, Zoom, Google Calendar or a plugin's platform, keep it, and report on it.",
    )
    .version(packageJson.version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    // Only track stops cleanly on a signal; the others end by one held while loading, as if never held.
    .hook('preAction', (_program, command) => {
      if (command.name() !== 'track') releaseSignals();
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 runtime failure (provider, store), 2 bad usage or configuration.
A .env file in the working folder is read into the environment first.

Start with:  presence-tracker demo`,
    );

  const config = new Option('-c, --config <file>', CONFIG_HELP);
  const range = (cmd: Command) =>
    cmd
      .option(
        '-d, --days <n>',
        "the last N local days, today included (default: the configuration's report.days, else 7)",
        wholeNumber(1),
      )
      .option(
        '--from <date>',
        'start: a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm[:ss], in --time-zone unless it ends in Z or an offset',
      )
      .option(
        '--to <date>',
        'end: a date (that day included) or a date and time, as for --from (default: now)',
      )
      .option(
        '--time-zone <zone>',
        "IANA time zone for days and times (default: the configuration's report.timeZone)",
        timeZone,
      );

  program
    .command('track')
    .description('track presence until SIGINT or SIGTERM, then stop cleanly; --once polls once, for cron')
    .addOption(config)
    .option('--once', 'poll once, record it, and exit')
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: readable, or JSON (default: pretty on a terminal, else json)',
      ).choices(['pretty', 'json']),
    )
    .addOption(
      new Option('--log-level <level>', 'least important level logged').choices(LOG_LEVELS).default('info'),
    )
    .action(async (options) => setExitCode(await track(options, io)));

  program
    .command('serve')
    .description(
      'serve the dashboard and its API over the store (read-only) until SIGINT or SIGTERM; --track also tracks',
    )
    .addOption(config)
    .option('--host <address>', 'address to listen on (default: web.host, else 127.0.0.1)')
    .option(
      '--port <port>',
      'port to listen on, 0 for any free one (default: web.port, else 8080)',
      wholeNumber(0, 65535),
    )
    .option('--track', 'run the tracker in this process too')
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: readable, or JSON (default: pretty on a terminal, else json)',
      ).choices(['pretty', 'json']),
    )
    .addOption(
      new Option('--log-level <level>', 'least important level logged').choices(LOG_LEVELS).default('info'),
    )
    .action(async (options) => setExitCode(await serve(options, io)));

  range(
    program
      .command('report')
      .description('time available, unavailable and unobserved per person per day, from the store')
      .addOption(config),
  )
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('table'))
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (options) => setExitCode(await report(options, io)));

  range(
    program
      .command('timeline')
      .description("draw everyone's statuses over time as an SVG or PNG picture")
      .addOption(config),
  )
    .option(
      '-o, --out <file>',
      'picture to write, .svg or .png (default: <report.outDir>/<from>_<to>_timeline.svg)',
    )
    .option(
      '--width <px>',
      `picture width in pixels, ${WIDTH.min} to ${WIDTH.max}`,
      wholeNumber(WIDTH.min, WIDTH.max),
    )
    .option('--platforms', 'beneath each person tracked on several platforms (combine), a row per platform')
    .action(async (options) => setExitCode(await timeline(options, io)));

  program
    .command('demo')
    .description(
      "simulate a team's working day into a SQLite file, then write its report and timeline; no account needed",
    )
    .option('-o, --out <dir>', 'folder for the files', 'presence-tracker-demo')
    .option('-u, --users <n>', 'how many simulated people', wholeNumber(1), 8)
    .option('-s, --seed <n>', 'the same seed gives the same day', wholeNumber(0), 1)
    .option('--date <date>', 'the day to simulate, YYYY-MM-DD (default: the last weekday before today)')
    .option('--time-zone <zone>', "the people's IANA time zone (default: this machine's)", timeZone)
    .action(async (options) => setExitCode(await demo(options, io)));

  program
    .command('doctor')
    .description('check the configuration, reach the store and the provider, and say what is wrong')
    .addOption(config)
    .option('--timeout <seconds>', 'how long each check may take', wholeNumber(1), 30)
    .action(async (options) =>
      setExitCode(await doctor({ ...options, timeout: options.timeout * 1000 }, io)),
    );

  return program;
}

/**
 * Runs the command with `argv` (without the node and script paths) and resolves with its exit code.
 * Errors are reported on `io.stderr`, in plain words; nothing calls `process.exit`.
 */
export async function run(argv: string[] = process.argv.slice(2), io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  try {
    loadDotenv(io);
    await createProgram(io, (c) => {
      code = c;
    }).parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    // Commander has already printed its own message (or the help).
    if (error instanceof CommanderError) return exitCodeFor(error);
    io.stderr.write(`presence-tracker: ${explain(error)}\n`);
    return exitCodeFor(error);
  }
}
