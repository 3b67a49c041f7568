"""Beyond one machine: under joblib's Dask backend the Ising chains run on the cluster's workers,
and the arrays are identical to a run on one core."""

import re

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None, silence_logs=50)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.slow  # about 15 s: two worker processes start and import physml
def test_ising_configurations_under_dask_equal_one_core_and_run_on_the_workers(client):
    from physml.datasets import ising_configurations

    kwargs = dict(L=8, temperatures=[1.5, 2.0, 2.5, 3.5], n_per_temperature=16, random_state=3, cache=False)
    X1, T1 = ising_configurations(**kwargs, n_jobs=1)

    def where(dask_worker):  # the task keys this worker's log shows it computed
        return sorted({str(key) for key, *_ in dask_worker.state.log if "sample_temperature" in str(key)})

    with joblib.parallel_config(backend="dask"):
        Xd, Td = ising_configurations(**kwargs, n_jobs=-1)
    np.testing.assert_array_equal(Xd, X1)
    np.testing.assert_array_equal(Td, T1)
    # four per-temperature tasks, computed in the worker processes (not in this one)
    ran = client.run(where)
    assert len(ran) == 2
    keys = {key for keys in ran.values() for key in keys}
    assert sum(int(re.search(r"_(\d+)_calls", key).group(1)) for key in keys) == 4, ran  # joblib's batch names
