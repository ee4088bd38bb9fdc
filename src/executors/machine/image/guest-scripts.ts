/**
 * The programs baked into the VM image. They are plain shell so that the guest needs nothing
 * beyond Debian minbase, docker.io, tini, iproute2 and kmod. Kept here (not in assets/) so that
 * their text is part of the image recipe digest.
 */

/** Name of the virtio-serial port the guest agent listens on. */
export const AGENT_PORT_NAME = 'dev.dockhand.agent';
/** TCP port of dockerd inside the guest (TLS with client certificates). */
export const GUEST_ENGINE_PORT = 2376;
/** Printed on the console by the image-preparation boot when the baked images are loaded. */
export const PREP_DONE_MARKER = 'DOCKHAND-PREP-OK';
/** Printed by the initrd when booted with `dockhand.probe=1` (accelerator probe). */
export const PROBE_MARKER = 'DOCKHAND-PROBE-OK';
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
 * Starts the agent and dockerd. Mode "prep" (image build) loads the baked image archive and
 * powers off; mode "run" keeps dockerd up until SIGTERM, then powers off cleanly.
 */
export const VM_MAIN = `#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
arg() { sed -n "s/.*dockhand\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
mode=$(arg mode)
extra=$(arg dockerd | tr ',' ' ')
poweroff_now() { sync; echo o > /proc/sysrq-trigger; sleep 10; }
/sbin/dockhand-agent &
dockerd --tlsverify --tlscacert=/etc/docker/tls/ca.pem --tlscert=/etc/docker/tls/server-cert.pem \\
  --tlskey=/etc/docker/tls/server-key.pem -H unix:///run/docker.sock -H tcp://0.0.0.0:${GUEST_ENGINE_PORT} \\
  $extra > /var/log/dockerd.log 2>&1 &
dpid=$!
trap 'kill -TERM $dpid; wait $dpid; poweroff_now' TERM INT
until docker -H unix:///run/docker.sock version > /dev/null 2>&1; do
  kill -0 $dpid 2>/dev/null || { tail -20 /var/log/dockerd.log > /dev/ttyS0; poweroff_now; }
  sleep 0.2
done
echo ${ENGINE_READY_MARKER} > /dev/ttyS0
if [ "$mode" = prep ]; then
  for f in /var/lib/dockhand-seed/*.tar; do
    [ -f "$f" ] && docker -H unix:///run/docker.sock load -i "$f" > /dev/ttyS0 2>&1 && rm -f "$f"
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
 * The guest agent: one line per command on the virtio-serial port. After a snapshot restore
 * dockhand sends "reseed HEX EPOCH MACHINE_ID NAME": the seed is mixed into the kernel pool and
 * the CRNG is forced to reseed (RNDRESEEDCRNG through perl's ioctl), the clock is set, and the
 * machine id and hostname are replaced, so no two VMs restored from one snapshot share them.
 * The port reads EOF while no host is connected: poll gently then.
 */
export const AGENT = `#!/bin/bash
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
dev=
while [ -z "$dev" ]; do
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat $p/name 2>/dev/null)" = ${AGENT_PORT_NAME} ] && dev=/dev/\${p##*/}
  done
  [ -z "$dev" ] && sleep 0.5
done
while :; do
  if read -r cmd seed epoch mid name < "$dev"; then
    case "$cmd" in
      reseed)
        printf '%s' "$seed" > /dev/urandom
        perl -e 'open(my $f, ">", "/dev/urandom") or die; ioctl($f, 0x5207, 0) or die' && r=ok || r=noreseed
        date -s "@$epoch" > /dev/null
        printf '%s\\n' "$mid" > /etc/machine-id
        hostname "$name"
        echo "$r" > "$dev" ;;
      ping) echo pong > "$dev" ;;
      *) echo unknown > "$dev" ;;
    esac
  else
    sleep 0.1
  fi
done
`;
