"""Build hook: compile the simulators' .proto files (metadata lives in pyproject.toml)."""
import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithProtos(build_py):
    def run(self):
        path = Path(__file__).resolve().parent / "simulators" / "proto" / "build.py"
        spec = importlib.util.spec_from_file_location("proto_build", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.compile_protos()
        super().run()


setup(cmdclass={"build_py": BuildWithProtos})
