"""The `swarm-studio` command line.

Parsing lives here; each command's work lives in a module imported only when that command
runs, so `validate` never pays for the database layer, litellm or the web app.
Exit codes: 0 ok, 1 invalid input or failure, 2 usage (`test` adds 3, 4 and 5: studio/cli_test.py).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from studio.errors import CommandError

# NOTE: litellm reads this at import; set before anything can import it (docs/architecture.md, Providers).
os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--db', metavar='URL', help='SQLAlchemy URL or SQLite file path '
                        '(default: $SWARM_STUDIO_DB, else a file in your user data directory)')


def _input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--input', action='append', default=[], metavar='KEY=VALUE',
                        help='an input field value (repeatable)')
    parser.add_argument('--inputs', metavar='JSON', help='input values as one JSON object')


def _latency_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--latency-ms', type=int, metavar='N', help='simulated latency of every call, in ms')


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='swarm-studio', description='Design, run and debug multi-agent LLM '
                                     'workflows. Without a command, starts the web app.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')

    serve = commands.add_parser('serve', help='start the web app (the default command)')
    serve.add_argument('--host', default='127.0.0.1', help='interface to listen on (default: 127.0.0.1)')
    serve.add_argument('--port', type=int, default=8080, help='port to listen on (default: 8080)')
    serve.add_argument('--no-browser', action='store_true', help='do not open a browser window')
    serve.add_argument('--allow-host', action='append', default=[], metavar='NAME[:PORT]',
                       help='also answer to this host name (e.g. behind a reverse proxy); repeatable')
    serve.add_argument('--max-upload-mb', type=float, metavar='MB',
                       help='largest graph file an upload may carry (default: 5)')
    _db_option(serve)
    serve.set_defaults(handler='studio.app:serve_command')

    desktop = commands.add_parser('desktop', help='open the studio in its own window (needs the desktop extra)')
    desktop.add_argument('--install-launcher', action='store_true',
                         help='add Swarm Studio to the desktop menu (Linux) instead of opening the window')
    _db_option(desktop)
    desktop.set_defaults(handler='studio.desktop.window:desktop_command')

    validate = commands.add_parser('validate', help='check a graph file; exit 1 with one line per problem')
    validate.add_argument('file', help='graph file, or - for standard input')
    validate.set_defaults(handler='studio.cli_graphs:validate_command')

    import_ = commands.add_parser('import', help='store a graph file; print its id')
    import_.add_argument('file', help='graph file, or - for standard input')
    _db_option(import_)
    import_.set_defaults(handler='studio.cli_graphs:import_command')

    export = commands.add_parser('export', help='write a stored graph as a graph file')
    export.add_argument('graph', metavar='NAME_OR_ID', help="the graph's id or its name")
    export.add_argument('-o', '--output', metavar='FILE', help='file to write (default: standard output)')
    _db_option(export)
    export.set_defaults(handler='studio.cli_graphs:export_command')

    list_ = commands.add_parser('list', help='list stored graphs')
    list_.add_argument('--json', action='store_true', help='one JSON array on standard output')
    _db_option(list_)
    list_.set_defaults(handler='studio.cli_graphs:list_command')

    run = commands.add_parser('run', help='run a mission from a graph file or a stored graph')
    run.add_argument('graph', metavar='FILE_OR_NAME', help='a graph file, or the id or name of a stored graph')
    _input_options(run)
    run.add_argument('--simulate', action='store_true', help='use the simulated provider even if keys are set')
    _latency_option(run)
    run.add_argument('--budget', type=float, metavar='USD', help='refuse calls that would exceed this cost')
    run.add_argument('--json', action='store_true', help='print the run summary as JSON on standard output')
    run.add_argument('--queue', action='store_true', help='enqueue the mission for a worker (swarm-studio worker; '
                     'needs $SWARM_STUDIO_REDIS_URL) instead of running it here')
    run.add_argument('--wait', action='store_true', help='with --queue: follow the run to its end, as if it ran here')
    _db_option(run)
    run.set_defaults(handler='studio.cli_run:run_command')

    worker = commands.add_parser('worker', help='run queued missions (a Celery worker on $SWARM_STUDIO_REDIS_URL)')
    worker.add_argument('--concurrency', type=int, default=4, metavar='N', help='missions at once (default: 4)')
    worker.add_argument('--redis', metavar='URL', help='the Redis URL (default: $SWARM_STUDIO_REDIS_URL)')
    worker.add_argument('--lease-s', type=float, default=15.0, metavar='S',
                        help="a run whose worker has not renewed its lease for S seconds is marked interrupted "
                        '(default: 15)')
    _db_option(worker)
    worker.set_defaults(handler='studio.cli_worker:worker_command')

    cancel = commands.add_parser('cancel', help='cancel a queued or running mission on a worker')
    cancel.add_argument('run', metavar='RUN_ID', help="the run's id, or the start of it when that is unique")
    _db_option(cancel)
    cancel.set_defaults(handler='studio.cli_worker:cancel_command')

    runs = commands.add_parser('runs', help='list stored runs, newest first')
    runs.add_argument('graph', nargs='?', metavar='GRAPH', help="only this stored graph's runs (id or name), "
                      'or those of a graph file')
    runs.add_argument('--limit', type=int, default=100, metavar='N', help='at most N runs (default: 100)')
    runs.add_argument('--json', action='store_true', help='one JSON array on standard output')
    _db_option(runs)
    runs.set_defaults(handler='studio.cli_runs:runs_command')

    show = commands.add_parser('show', help="print a stored run's summary")
    show.add_argument('run', metavar='RUN_ID', help="the run's id, or the start of it when that is unique")
    show.add_argument('--json', action='store_true', help='the run summary as JSON (as `run --json` prints it)')
    _db_option(show)
    show.set_defaults(handler='studio.cli_runs:show_command')

    resume = commands.add_parser('resume', help='continue a run that stopped: only what is left runs')
    resume.add_argument('run', metavar='RUN_ID', help="the stopped run's id, or the start of it when that is unique")
    resume.add_argument('--budget', type=float, metavar='USD',
                        help="the mission's whole budget, earlier parts included (default: the stopped run's)")
    _latency_option(resume)
    resume.add_argument('--json', action='store_true', help='print the run summary as JSON on standard output')
    _db_option(resume)
    resume.set_defaults(handler='studio.cli_runs:resume_command')

    estimate = commands.add_parser('estimate', help='what a mission will cost, per node and in total, '
                                   'before anything is called')
    estimate.add_argument('graph', metavar='FILE_OR_NAME', help='a graph file, or the id or name of a stored graph')
    _input_options(estimate)
    estimate.add_argument('--simulate', action='store_true', help='estimate for the simulated provider even if '
                          'keys are set')
    estimate.add_argument('--json', action='store_true', help='the estimate as JSON on standard output')
    _db_option(estimate)
    estimate.set_defaults(handler='studio.cli_runs:estimate_command')

    test = commands.add_parser('test', help='run a graph once per row of a dataset, check each row, and report '
                               'pass rate and cost (side by side with --compare)')
    test.add_argument('graph', metavar='GRAPH', help='a graph file, or the id or name of a stored graph')
    test.add_argument('dataset', metavar='DATASET', help='a .csv or .jsonl file: input columns, and '
                      'expected.<node> columns')
    test.add_argument('--checks', metavar='FILE', help='the checks file (default: <dataset stem>.checks.json '
                      'beside the dataset, if any)')
    test.add_argument('--catalog', action='append', default=[], metavar='FILE',
                      help='a catalog file to test with; twice: the two catalogs side by side')
    test.add_argument('--flagship-only', action='store_true', help='run every agent on tier 1')
    test.add_argument('--compare', action='store_true', help='routing and --flagship-only side by side')
    test.add_argument('--concurrency', type=int, default=4, metavar='N', help='rows running at once (default: 4)')
    test.add_argument('--budget', type=float, metavar='USD', help='the most the whole test may spend, split '
                      'evenly between the variants; rows past it are not run')
    test.add_argument('--min-pass', type=float, metavar='R', help='exit 3 when the pass rate is below R (0 to 1)')
    test.add_argument('--max-cost-per-row', type=float, metavar='USD',
                      help='exit 4 when the cost per row is above USD (5: both gates failed)')
    test.add_argument('--simulate', action='store_true', help='use the simulated provider even if keys are set')
    _latency_option(test)
    test.add_argument('--json', action='store_true', help='print the report as JSON instead of the table')
    test.add_argument('--report', metavar='FILE', help='also write the report as JSON to FILE')
    _db_option(test)
    test.set_defaults(handler='studio.cli_test:test_command')

    route = commands.add_parser('route', help='show the tier the router picks for a task, and why')
    route.add_argument('text', help='the task, or - to read one task a line from standard input')
    route.add_argument('--json', action='store_true', help='one JSON object a line: {"tier", "confidence", "reason"}')
    route.set_defaults(handler='studio.cli_run:route_command')

    db = commands.add_parser('db', help="show or upgrade the database's schema").add_subparsers(
        dest='db_command', metavar='ACTION', required=True)
    for action, text in (('current', "show the database's schema revision"),
                         ('upgrade', 'apply the migrations it lacks (opening it does that too)')):
        command = db.add_parser(action, help=text)
        _db_option(command)
        command.set_defaults(handler=f'studio.cli_db:{action}_command')
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith('-') and argv[0] not in ('-h', '--help')):
        argv = ['serve', *argv]  # `swarm-studio [--port N]` starts the web app
    args = parser.parse_args(argv)
    module_name, function_name = args.handler.split(':')
    handler = getattr(importlib.import_module(module_name), function_name)
    try:
        return handler(args) or 0
    except CommandError as error:
        print(f'swarm-studio {args.command}: {error}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f'swarm-studio {args.command}: interrupted', file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of our output went away (`… | head`): not an error worth a message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:  # a bug: still one line, the traceback only on request
        if os.environ.get('SWARM_STUDIO_DEBUG'):
            raise
        print(f'swarm-studio {args.command}: internal error: {type(error).__name__}: {error} '
              '(set SWARM_STUDIO_DEBUG=1 to see where)', file=sys.stderr)
        return 1



if __name__ == '__main__':  # python -m studio.cli, as python -m studio
    sys.exit(main())
