//! The repository's cluster scripts against the real thing: a one-node Slurm cluster started by the
//! test (Debian `slurm-wlm` and `munge`, no systemd), and the Kubernetes manifest parsed and checked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::scaleout::{assert_same_delivery, example_batch};
use crate::support::{describe, plugin_dir, repo, run_recipe, temp_dir};

/// Daemons this test started, stopped by their pid files when dropped (even when the test fails).
struct SlurmCluster {
    dir: PathBuf,
}

impl Drop for SlurmCluster {
    fn drop(&mut self) {
        for name in ["slurmd.pid", "slurmctld.pid", "munged.pid"] {
            let Ok(text) = std::fs::read_to_string(self.dir.join(name)) else {
                continue;
            };
            let Ok(pid) = text.trim().parse::<i32>() else {
                continue;
            };
            // SAFETY: sends a signal to the daemon whose pid file this test's own daemon wrote.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            for _ in 0..50 {
                // SAFETY: signal 0 only asks whether the process still exists.
                if unsafe { libc::kill(pid, 0) } != 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

fn slurm(command: &str, conf: &Path) -> Command {
    let mut c = Command::new(tool(command).unwrap_or_else(|| PathBuf::from(command)));
    c.env("SLURM_CONF", conf);
    c
}

#[test]
fn a_real_slurm_array_then_finish_equals_one_run() {
    let tools = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"];
    if let Some(missing) = tools.iter().find(|t| tool(t).is_none()) {
        crate::support::not_run(
            "slurm",
            &format!("{missing} not found; apt-get install slurm-wlm munge"),
        );
        return;
    }
    // SAFETY: reads the effective user id.
    if unsafe { libc::geteuid() } != 0 {
        crate::support::not_run("slurm", "the one-node cluster is started as root");
        return;
    }
    let dir = temp_dir();
    let root = dir.path();
    let cluster_dir = root.join("cluster");
    for sub in ["state", "spool"] {
        std::fs::create_dir_all(cluster_dir.join(sub)).unwrap();
    }
    let cluster = SlurmCluster {
        dir: cluster_dir.clone(),
    };
    let c = |name: &str| cluster_dir.join(name).display().to_string();
    // munged with its own key and socket, so nothing of the machine's is touched.
    let key: Vec<u8> = (0..1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ std::process::id() as u8)
        .collect();
    std::fs::write(cluster_dir.join("munge.key"), key).unwrap();
    std::fs::set_permissions(
        cluster_dir.join("munge.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o400),
    )
    .unwrap();
    let munged = Command::new(tool("munged").unwrap())
        .arg(format!("--socket={}", c("munge.sock")))
        .arg(format!("--key-file={}", c("munge.key")))
        .arg(format!("--pid-file={}", c("munged.pid")))
        .arg(format!("--log-file={}", c("munged.log")))
        .arg(format!("--seed-file={}", c("munge.seed")))
        .arg("--force")
        .output()
        .unwrap();
    assert!(munged.status.success(), "munged: {}", describe(&munged));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Ports of this test's own (pid-based, so two test runs do not meet).
    let port = 20_000 + (std::process::id() % 20_000) as u16 * 2;
    let conf = cluster_dir.join("slurm.conf");
    std::fs::write(
        &conf,
        format!(
            "ClusterName=rollcalltest\nSlurmctldHost={host}\nSlurmUser=root\n\
             AuthType=auth/munge\nAuthInfo=socket={sock}\nCredType=cred/munge\n\
             ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n\
             JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n\
             MpiDefault=none\nReturnToService=2\nSlurmctldPort={port}\nSlurmdPort={port2}\n\
             StateSaveLocation={state}\nSlurmdSpoolDir={spool}\n\
             SlurmctldPidFile={ctld_pid}\nSlurmdPidFile={d_pid}\n\
             SlurmctldLogFile={ctld_log}\nSlurmdLogFile={d_log}\n\
             NodeName={host} CPUs={cpus} State=UNKNOWN\n\
             PartitionName=rollcall Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
            sock = c("munge.sock"),
            port2 = port + 1,
            state = c("state"),
            spool = c("spool"),
            ctld_pid = c("slurmctld.pid"),
            d_pid = c("slurmd.pid"),
            ctld_log = c("slurmctld.log"),
            d_log = c("slurmd.log"),
        ),
    )
    .unwrap();
    let started = Instant::now();
    for daemon in ["slurmctld", "slurmd"] {
        let output = slurm(daemon, &conf).output().unwrap();
        assert!(output.status.success(), "{daemon}: {}", describe(&output));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = slurm("sinfo", &conf)
            .args(["-h", "-o", "%T"])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&state.stdout).trim() == "idle" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the node never became idle: {}\n{}",
            describe(&state),
            std::fs::read_to_string(cluster_dir.join("slurmctld.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let cluster_up = started.elapsed();

    let (recipe, rolls) = example_batch(root);
    let out = root.join("out");
    let plan_file = root.join("plan.json");
    let submitted_at = Instant::now();
    let submit = Command::new(repo().join("cluster/slurm/submit.sh"))
        .current_dir(root)
        .env("SLURM_CONF", &conf)
        .env("ROLLCALL_BIN", env!("CARGO_BIN_EXE_rollcall"))
        .arg("3")
        .arg(&plan_file)
        .arg(&recipe)
        .arg(&rolls)
        .arg("--out")
        .arg(&out)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(submit.status.success(), "submit.sh: {}", describe(&submit));
    let ids = String::from_utf8_lossy(&submit.stdout).to_string();
    let id = |word: &str| {
        ids.lines()
            .find_map(|l| l.strip_prefix(word))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no `{word}` id in {ids}"))
    };
    let (array, finish_job) = (id("array "), id("finish "));
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let queue = slurm("squeue", &conf)
            .args(["-h", "-j", &format!("{array},{finish_job}")])
            .output()
            .unwrap();
        if queue.status.success() && queue.stdout.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs still queued: {}",
            describe(&queue)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let delivered_in = submitted_at.elapsed();
    let finish_log =
        std::fs::read_to_string(root.join(format!("rollcall-finish-{finish_job}.out")))
            .unwrap_or_default();
    assert!(
        finish_log.contains("10 delivered, 0 already delivered, 0 failed"),
        "finish: {finish_log}"
    );
    for k in 1..=3 {
        let log =
            std::fs::read_to_string(root.join(format!("rollcall-apply-{array}_{k}.out"))).unwrap();
        assert!(log.contains(&format!("shard {k}/3")), "task {k}: {log}");
    }

    let single = root.join("single");
    let run = run_recipe(&recipe, &[&rolls], &single, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    assert_same_delivery(&single, &out);
    let line = format!(
        "slurm: one-node cluster up in {:.1} s; plan + 3-task array + finish (afterany) done in {:.1} s",
        cluster_up.as_secs_f64(),
        delivered_in.as_secs_f64()
    );
    println!("{line}");
    eprintln!("{line}");
    drop(cluster);
}

#[test]
fn the_kubernetes_manifest_is_an_indexed_job_with_finish_after_it() {
    let manifest = repo().join("cluster/k8s/indexed-job.yaml");
    let check = "import sys, yaml\n\
        docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]\n\
        jobs = {d['metadata']['name']: d for d in docs}\n\
        assert all(d['apiVersion'] == 'batch/v1' and d['kind'] == 'Job' for d in docs)\n\
        apply = jobs['rollcall-apply']['spec']\n\
        assert apply['completionMode'] == 'Indexed'\n\
        n = apply['completions']\n\
        assert apply['parallelism'] == n\n\
        pod = apply['template']['spec']\n\
        assert pod['restartPolicy'] == 'Never'\n\
        command = pod['containers'][0]['command']\n\
        assert command[1] == 'apply' and command[command.index('--shards') + 1] == str(n)\n\
        assert jobs['rollcall-finish']['spec']['template']['spec']['containers'][0]['command'][1] == 'finish'\n\
        print('ok', n)\n";
    let mut command = Command::new("python3");
    command.args(["-c", check]).arg(&manifest);
    if let Some(output) = crate::support::external(command, "python3 yaml", "pip install pyyaml") {
        assert!(String::from_utf8_lossy(&output.stdout).starts_with("ok 3"));
    }
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("kubectl wait --for=condition=complete"));
}
