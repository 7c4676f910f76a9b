"""The learner's kernel during grading: ``python _kernel.py KEY_FD REPORT_FD -f CONNECTION_FILE``, started by
``_runner.py --kernel`` inside the kernel's sandbox. An ipykernel like any other, plus a watch.

nbgrader runs the tests in the learner's kernel, so learner code can try to fake a pass: hook IPython's
events, install a custom exception handler, rewrite cells on their way in (AST or input transformers),
replace the shell's or the kernel's methods so that an error never leaves the kernel, patch builtins,
replace ``sys.modules`` entries or library functions with code of its own, shadow ``AssertionError``.
The watch is a Python *audit hook* (PEP 578), added before any learner code runs; an audit hook cannot
be removed, and it runs before every cell is executed (the ``exec`` event) and on the low-level moves
that could reach it (``gc.get_objects``, ``ctypes``, ``sys.settrace``, ``sys.addaudithook``, patching the
kernel's classes or a function's code). Before each cell it compares the kernel with how it was when
it started and reports what changed on a pipe that only the launcher reads, outside this sandbox,
each line signed with a key the learner's code never sees (read from another pipe, then closed). After
the notebook's last cell nbgrader runs one more, whose text is new each job: the watch's check for it
is marked ``closed``. A submission whose kernel reported a change, whose report lines do not carry
the key, or whose closing check never came is flagged for an instructor (lms.grading.services).
"""
import builtins
import hashlib
import hmac
import json
import os
import sys
import types
import warnings

# what IPython itself puts into builtins while a cell runs
IPYTHON_BUILTINS = {"get_ipython", "exit", "quit", "display", "__IPYTHON__", "_", "__", "___", "__builtins__"}
# moves that reach below Python's objects (the watch included) or step through a test's lines
DIRECT = {"gc.get_objects": "walks every object (gc.get_objects)",
          "gc.get_referrers": "walks objects' referrers (gc.get_referrers)",
          "gc.get_referents": "walks objects' referents (gc.get_referents)",
          "sys.addaudithook": "adds an audit hook", "sys.settrace": "sets a trace function",
          "sys.setprofile": "sets a profile function", "ctypes.addressof": "takes raw addresses (ctypes)",
          "ctypes.cdata": "reads raw memory (ctypes)", "ctypes.string_at": "reads raw memory (ctypes)",
          "ctypes.dlsym": "looks up C functions (ctypes)"}
MACHINERY = ("IPython", "ipykernel", "jupyter_client", "zmq", "traitlets", "comm", "builtins")
TRANSFORMERS = ("ast_transformers", "input_transformers_cleanup", "input_transformers_post")


def _changed(now: dict, then: dict) -> list[str]:
    """Names bound to something else than before."""
    return sorted(name for name in set(now) | set(then)
                  if not _same(now.get(name, KeyError), then.get(name, KeyError)))


def _same(a, b) -> bool:
    """The same, or made anew from the same code: a method bound again to the same object, or a closure
    IPython makes for every cell (its tee of sys.stdout.write)."""
    if isinstance(a, types.MethodType) and isinstance(b, types.MethodType):
        return a.__func__ is b.__func__ and a.__self__ is b.__self__
    if isinstance(a, types.FunctionType) and isinstance(b, types.FunctionType):
        return a.__code__ is b.__code__
    return a is b


class Watch:
    def __init__(self, app, key: bytes, closing: str, report_fd: int):
        self.key, self.closing, self.fd = key, closing, report_fd
        self.shell, self.kernel = app.shell, app.kernel
        self.cells = os.path.dirname(self.shell.compile.get_code_name("", "", 0))
        self.seq = self.checks = 0
        self.busy = False
        self.reported: set[str] = set()
        self.started = False

    def baseline(self) -> None:
        """The kernel as it is when its first cell is about to run (ipykernel has set up what it sets
        for every execution: input, display and output hooks): learner code has not run yet."""
        self.started = True
        self.builtins = dict(vars(builtins))
        self.user_builtins = self.shell.user_ns.get("__builtins__")
        self.modules = dict(sys.modules)
        self.hooks = (sys.excepthook, sys.displayhook)
        self.events = self._events()
        self.custom_exceptions = self.shell.custom_exceptions
        self.transformers = self._transformers()
        self.objects = self._objects()
        self.callables = {label: self._callables(obj) for label, obj in self.objects.items()}
        self.classes = {cls: self._callables(cls) for obj in self.objects.values() for cls in type(obj).__mro__
                        if cls is not object}

    # --- the kernel's state, as it started -------------------------------------------------------
    def _objects(self) -> dict:
        shell, kernel = self.shell, self.kernel
        return {"shell": shell, "kernel": kernel, "kernel.session": kernel.session, "shell.displayhook": shell.displayhook,
                "shell.display_pub": shell.display_pub, "shell.compile": shell.compile, "shell.events": shell.events,
                "displayhook.session": shell.displayhook.session, "display_pub.session": shell.display_pub.session,
                "kernel.iopub_socket": kernel.iopub_socket, "sys.stdout": sys.stdout, "sys.stderr": sys.stderr}

    def _events(self) -> dict:
        return {name: list(callbacks) for name, callbacks in self.shell.events.callbacks.items()}

    def _transformers(self) -> dict:
        found = {name: list(getattr(self.shell, name, [])) for name in TRANSFORMERS}
        manager = self.shell.input_transformer_manager
        for name in ("cleanup_transforms", "line_transforms", "token_transformers"):
            found[f"input_transformer_manager.{name}"] = list(getattr(manager, name, []))
        return found

    @staticmethod
    def _callables(obj) -> dict:
        try:
            return {name: value for name, value in vars(obj).items() if callable(value)}
        except TypeError:
            return {}

    # --- what changed ------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        found = []
        now = vars(builtins)
        found += [f"patched builtins.{name}" for name in _changed(now, self.builtins) if name not in IPYTHON_BUILTINS]
        user_ns = self.shell.user_ns
        if user_ns.get("__builtins__") is not self.user_builtins:
            found.append("replaced the notebook's __builtins__")
        for name, value in self.builtins.items():
            if isinstance(value, type) and issubclass(value, BaseException) and user_ns.get(name, value) is not value:
                found.append(f"shadowed {name} in the notebook's namespace")
        for name, module in list(sys.modules.items()):
            known = self.modules.setdefault(name, module)
            if known is not module:
                found.append(f"replaced sys.modules[{name!r}]")
            found += self._learner_code_in(name, module)
        if (sys.excepthook, sys.displayhook) != self.hooks:
            found.append("replaced sys.excepthook or sys.displayhook")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("set a trace or profile function")
        if self._events() != self.events:
            found.append("registered an IPython event callback")
        if self.shell.custom_exceptions != self.custom_exceptions:
            found.append("installed a custom exception handler (set_custom_exc)")
        if self._transformers() != self.transformers:
            found.append("added an input or AST transformer")
        for label, obj in self._objects().items():
            if obj is not self.objects[label]:
                found.append(f"replaced {label}")
            else:
                found += [f"replaced {label}.{name}" for name in _changed(self._callables(obj), self.callables[label])]
        for cls, methods in self.classes.items():
            found += [f"patched the class {cls.__qualname__}.{name}" for name in _changed(self._callables(cls), methods)]
        return found

    def _learner_code_in(self, name: str, module) -> list[str]:
        """Functions of a library module (one the learner did not write) replaced by a cell's function."""
        if name == "__main__" or not isinstance(module, types.ModuleType) or not getattr(module, "__file__", None):
            return []
        try:
            items = list(vars(module).items())
        except TypeError:
            return []
        with warnings.catch_warnings():  # a deprecated name looked at (torch's) warns on stderr: nbgrader's failure
            warnings.simplefilter("ignore")
            return [f"replaced {name}.{attr} with the notebook's code" for attr, value in items
                    if isinstance(value, types.FunctionType) and value.__code__.co_filename.startswith(self.cells)]

    # --- the audit hook ------------------------------------------------------------------------------
    def audit(self, event: str, args: tuple) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            if event == "exec" and isinstance(args[0], types.CodeType):
                code = args[0]
                closing = self.closing in code.co_consts
                if closing or code.co_filename.startswith(self.cells):
                    if not self.started:
                        self.baseline()
                    self.checks += 1
                    self.report(self.problems(), closing=closing)
            elif event in DIRECT:
                self.report([f"learner code {DIRECT[event]}"])
            elif event == "object.__setattr__":
                self.report(self._setattr(*args[:2]))
        except Exception as exc:  # noqa: BLE001 — the watch must never break the learner's code
            self.report([f"the watch could not check the kernel ({type(exc).__name__})"])
        finally:
            self.busy = False

    @staticmethod
    def _setattr(target, name) -> list[str]:
        if name == "__code__":
            return [f"replaced the code of the function {getattr(target, '__qualname__', '?')}"]
        module = getattr(target, "__module__", "") if isinstance(target, type) else ""
        if isinstance(module, str) and module.split(".")[0] in MACHINERY:
            return [f"patched the class {target.__qualname__}.{name}"]
        return []

    def report(self, problems: list[str], closing: bool = False) -> None:
        new = [problem for problem in problems if problem not in self.reported]
        if not new and not closing:
            return
        self.reported.update(new)
        payload = json.dumps({"problems": new, "closed": closing, "checks": self.checks}, separators=(",", ":"))
        signed = f"{self.seq} {payload}"
        self.seq += 1
        line = f"{signed} {hmac.new(self.key, signed.encode(), hashlib.sha256).hexdigest()}\n"
        try:
            os.write(self.fd, line.encode())
        except OSError:  # the learner closed the pipe: the missing closing report says so
            pass


def main(argv: list[str]) -> None:
    key_fd, report_fd = int(argv[0]), int(argv[1])
    with os.fdopen(key_fd, "rb") as source:
        secret = json.loads(source.read())
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv[2:])
    watch = Watch(app, bytes.fromhex(secret["key"]), secret["closing"], report_fd)
    sys.addaudithook(watch.audit)
    app.start()


if __name__ == "__main__":
    main(sys.argv[1:])
