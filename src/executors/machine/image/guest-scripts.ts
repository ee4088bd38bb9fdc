/**
 * The programs baked into the VM image. They are plain shell so that the guest needs nothing
 * beyond Debian minbase, docker.io, tini, iproute2 and kmod. Kept here (not in assets/) so that
 * their text is part of the image recipe digest.
 */

/** Name of the virtio-serial port the guest agent listens on. */
export const AGENT_PORT_NAME = 'dev.dockhand.agent';
/** TCP port of the guest engine (TLS with client certificates, served by the agent's socat). */
export const GUEST_ENGINE_PORT = 2376;
/** Printed on the console by the image-preparation boot when the baked images are loaded. */
export const PREP_DONE_MARKER = 'DOCKHAND-PREP-OK';
/** Printed by the initrd when booted with `dockhand.probe=1` (accelerator probe). */
export const PROBE_MARKER = 'DOCKHAND-PROBE-OK';
/** Where the agent keeps the engine's per-VM key and certificate (tmpfs: memory only). */
export const GUEST_TLS_DIR = '/run/dockhand-tls';
/** Printed when dockerd answers inside the guest. */
export const ENGINE_READY_MARKER = 'DOCKHAND-ENGINE-READY';

/**
 * initrd /init (busybox): loads the virtio modules the cloud kernel keeps as modules, mounts the
 * root disk and switches to it. With `dockhand.probe=1` it only proves the kernel ran.
 */
export const INITRD_INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
if /bin/busybox grep -q dockhand.probe=1 /proc/cmdline; then
  echo ${PROBE_MARKER} > /dev/ttyS0
  /bin/busybox poweroff -f
fi
for m in $(/bin/busybox cat /modules.order); do /bin/busybox insmod /modules/$m; done
/bin/busybox mkdir -p /newroot
i=0
until /bin/busybox mount -t ext4 -o rw /dev/vda /newroot; do
  i=$((i+1)); [ $i -gt 50 ] && { echo "dockhand initrd: no root disk" > /dev/ttyS0; /bin/busybox poweroff -f; }
  /bin/busybox sleep 0.1
done
/bin/busybox umount /proc
/bin/busybox mount --move /dev /newroot/dev
exec /bin/busybox switch_root /newroot /sbin/init-ci
`;

/**
 * PID 1 before tini: mounts, loads modules, brings up the user-net address, then hands over to
 * tini, which reaps zombies and forwards signals to vm-main.
 */
export const INIT_CI = `#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for m in virtio_net virtio_console virtio-rng overlay; do modprobe -q $m; done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
hostname dockhand-vm
exec /usr/bin/tini -s -g -- /sbin/vm-main
`;

/**
 * Starts the agent and dockerd. Mode "prep" (image build) loads the baked image archive (`-q`:
 * progress bars on the emulated serial console cost minutes under TCG) and powers off; mode "run" keeps dockerd up until SIGTERM, then powers off cleanly. dockerd listens
 * on its unix socket only: the TLS port in front of it is the agent's, opened with a key given
 * after each start (AGENT), so neither the image nor the saved VM holds an engine key.
 */
export const VM_MAIN = `#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
arg() { sed -n "s/.*dockhand\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
mode=$(arg mode)
extra=$(arg dockerd | tr ',' ' ')
poweroff_now() { sync; echo o > /proc/sysrq-trigger; sleep 10; }
mkdir -m 700 ${GUEST_TLS_DIR}
/sbin/dockhand-agent &
dockerd -H unix:///run/docker.sock $extra > /var/log/dockerd.log 2>&1 &
dpid=$!
trap 'kill -TERM $dpid; wait $dpid; poweroff_now' TERM INT
until docker -H unix:///run/docker.sock version > /dev/null 2>&1; do
  kill -0 $dpid 2>/dev/null || { tail -20 /var/log/dockerd.log > /dev/ttyS0; poweroff_now; }
  sleep 0.2
done
echo ${ENGINE_READY_MARKER} > /dev/ttyS0
if [ "$mode" = prep ]; then
  for f in /var/lib/dockhand-seed/*.tar; do
    [ -f "$f" ] && docker -H unix:///run/docker.sock load -q -i "$f" > /dev/ttyS0 2>&1 && rm -f "$f"
  done
  kill -TERM $dpid; wait $dpid
  rm -rf /var/lib/dockhand-seed /var/log/dockerd.log
  fstrim / > /dev/null 2>&1
  echo ${PREP_DONE_MARKER} > /dev/ttyS0
  poweroff_now
fi
while :; do wait $dpid; kill -0 $dpid 2>/dev/null || poweroff_now; done
`;

/**
 * The guest agent: one line per command on the virtio-serial port, each answer echoes the
 * command's nonce so a late answer to an earlier connection is never taken for this one.
 * dockhand sends "reseed HEX EPOCH MACHINE_ID NAME NONCE KEY CERT" after every start: the seed is
 * mixed into the kernel pool and the CRNG is forced to reseed (RNDRESEEDCRNG through perl's
 * ioctl); only then the engine identity this VM alone gets (a P-256 key and its self-signed
 * certificate for 127.0.0.1, PEM with newlines sent as "|" and spaces as "_") is written to tmpfs
 * and socat serves TLS with it on the engine port in front of dockerd's unix socket, asking for a
 * client certificate of the image's CA; the clock is set in the same perl run, the machine id and
 * hostname are replaced after the answer (nothing waits for them). Without a reseed no TLS port
 * opens: VMs restored from one snapshot would otherwise draw the same random numbers in their
 * handshakes. Shell built-ins only besides one perl and socat: every exec costs 0.1-0.3 s under
 * TCG.
 * The port reads EOF while no host is connected: poll gently then.
 */
export const AGENT = `#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
umask 077
tls=${GUEST_TLS_DIR}
dev=
while [ -z "$dev" ]; do
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat $p/name 2>/dev/null)" = ${AGENT_PORT_NAME} ] && dev=/dev/\${p##*/}
  done
  [ -z "$dev" ] && sleep 0.5
done
# RNDRESEEDCRNG on /dev/urandom (exit 1 when refused), then clock_settime(CLOCK_REALTIME) to
# EPOCH.MS (exit 3 when that fails): one perl start for both, execs being dear under TCG.
reseed_and_clock='open(my $f, ">", "/dev/urandom") or exit 1; ioctl($f, 0x5207, 0) or exit 1;
  my ($s, $ms) = split(/\\./, $ARGV[0]); syscall(227, 0, pack("q q", $s, $ms * 1000000)) == 0 or exit 3'
pem() { local p=\${1//|/$'\\n'}; printf '%s\\n' "\${p//_/ }"; }
serve() {
  [ -f $tls/proxy.pid ] && kill "$(< $tls/proxy.pid)" 2>/dev/null
  pem "$1" > $tls/key.pem && pem "$2" > $tls/cert.pem || return 1
  socat -t 31536000 -b 65536 \\
    OPENSSL-LISTEN:${GUEST_ENGINE_PORT},fork,reuseaddr,cert=$tls/cert.pem,key=$tls/key.pem,cafile=/etc/docker/tls/ca.pem,verify=1 \\
    UNIX-CONNECT:/run/docker.sock < /dev/null > /dev/null 2>&1 &
  echo $! > $tls/proxy.pid
}
while :; do
  if read -r cmd seed epoch mid name nonce key cert < "$dev"; then
    case "$cmd" in
      reseed)
        printf '%s' "$seed" > /dev/urandom
        perl -e "$reseed_and_clock" "$epoch"
        case $? in
          0|3) serve "$key" "$cert" && r="ok $nonce" || r="noidentity $nonce" ;;
          *) r="noreseed $nonce" ;;
        esac
        key= cert=
        echo "$r" > "$dev"
        [ "$r" = "ok $nonce" ] || continue
        printf '%s\\n' "$mid" > /etc/machine-id
        printf '%s' "$name" > /proc/sys/kernel/hostname ;;
      ping) echo "pong $seed" > "$dev" ;;
      *) echo "unknown $nonce" > "$dev" ;;
    esac
  else
    sleep 0.1
  fi
done
`;
