"""Application services written for the harness's own tests, in other styles than simulators/."""
