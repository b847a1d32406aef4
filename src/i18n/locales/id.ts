/**
 * Bahasa Indonesia. Same keys as en.ts (test/i18n/catalogs.test.ts holds every key, placeholder
 * and plural form to it); terms as docs/glossary.md fixes them. Indonesian has one plural form:
 * a counted message is key_other only. Commands, flags, file names and state keywords that a
 * person types or a machine reads stay as they are.
 */
import type { Translation } from '../catalog.js';

export default {
  common: {
    errorPrefix: 'kesalahan',
    hintPrefix: 'saran',
    cancelled: 'dibatalkan',
    moreIssues_other: '… dan {{count}} lainnya',
    internalError: 'kesalahan internal: {{message}}',
    internalErrorReport: 'jalankan lagi dengan --debug untuk melihat jejak tumpukan (stack trace), lalu laporkan sebagai bug',
    runWithHelp: '(jalankan dengan --help untuk cara pakai)',
  },
  commander: {
    usage: 'Cara pakai:',
    arguments: 'Argumen:',
    options: 'Opsi:',
    globalOptions: 'Opsi umum:',
    optionsPlaceholder: '[opsi]',
    commandPlaceholder: '[perintah]',
    commands: 'Perintah:',
    unknownOption: "opsi '{{option}}' tidak dikenal",
    unknownCommand: "perintah '{{command}}' tidak dikenal",
    didYouMean: '(Maksud Anda {{suggestion}}?)',
    missingArgument: "argumen wajib '{{argument}}' belum diisi",
    optionArgumentMissing: "opsi '{{option}}' perlu nilai",
    requiredOption: "opsi wajib '{{option}}' belum diberikan",
    tooManyArguments: 'argumen terlalu banyak: seharusnya {{expected}}, diberikan {{got}}',
    invalidArgument: "nilai '{{value}}' untuk opsi '{{option}}' tidak sah. {{reason}}",
    conflict: '{{a}} tidak bisa dipakai bersama {{b}}',
    extras: '({{extras}})',
    choices: 'pilihan: {{choices}}',
    default: 'bawaan: {{value}}',
    preset: 'tanpa nilai: {{value}}',
    env: 'lingkungan: {{env}}',
  },
  program: {
    description: 'Mendaftarkan, menyiapkan, memeriksa, melaporkan, dan memperbarui armada kios desa Kabupaten Jember.',
    version: 'tampilkan nomor versi',
    help: 'tampilkan bantuan perintah',
    helpCommand: 'tampilkan bantuan perintah',
    inventory: 'direktori inventaris (bawaan: $JFLEET_INVENTORY, config "inventory", atau $JFLEET_HOME/inventory)',
    debug: 'tampilkan jejak tumpukan (stack trace) dan log debug',
    noColor: 'matikan warna (NO_COLOR juga dihormati)',
    homeNotDirectory: 'JFLEET_HOME {{home}} bukan direktori',
    homeNotDirectoryHint: 'arahkan JFLEET_HOME ke sebuah direktori (bawaan ~/.jfleet), atau hapus variabel itu',
    helpAfter: `
Kode keluar:
  0    berhasil
  1    ada perangkat yang gagal (laporan menyebutkan yang mana)
  2    salah pakai atau masukan salah (opsi keliru, inventaris rusak, nilai berbahaya); tidak ada yang ditulis
  3    tak diketahui (kontrak Nagios, jfleet check)
  4    rollout dihentikan (kegagalan melewati --max-fail)
  5    rollout selesai dengan perangkat tertunda (tak terjangkau; rollout berikutnya melanjutkannya)
  6    sweep: status peringatan terburuk adalah kritis (1 waspada, 3 tak diketahui)
  7    sweep: status peringatan terburuk adalah tak terjangkau
  70   kesalahan internal (bug: jalankan dengan --debug dan laporkan)
  74   penyimpanan gagal (disk penuh, kuota, hanya-baca, kesalahan I/O, basis data status rusak); tidak ada yang ditulis
  75   proses lain sedang memegang kunci
  130  dibatalkan

Lingkungan:
  JFLEET_HOME        tempat config, kunci, dan status disimpan (bawaan ~/.jfleet)
  JFLEET_INVENTORY   direktori inventaris
  JFLEET_KEY_FILE    kunci privat untuk SSH (bawaan: kunci armada dari jfleet keys init)
  JFLEET_API_URL, JFLEET_API_TOKEN, JFLEET_FORKS   menimpa config untuk CI
  JFLEET_LANG        bahasa pesan: en atau id (jika kosong: config "lang", lalu LC_ALL / LC_MESSAGES / LANG)
  NO_COLOR           matikan warna

Contoh:
  $ jfleet villages rambipuji
  $ jfleet register --village 35.09.13.2006 --address kiosk-rambipuji.lan --serial SN123 --mac 00:11:22:33:44:55 --model NUC
  $ jfleet exec --limit Rambipuji -- uptime
  $ jfleet demo`,
  },
  register: {
    nothingWritten: 'tidak ada yang ditulis',
    needsFlags: 'register memerlukannya',
    error: {
      skipInvalidNeedsFrom: '--skip-invalid dan --rejected hanya dipakai bersama --from FILE.csv',
      rejectedNeedsSkipInvalid: '--rejected dipakai bersama --skip-invalid (tanpanya baris yang salah menghentikan impor dan tidak ada baris yang ditolak)',
      tagChars: '"{{tag}}" hanya boleh berisi huruf kecil, angka, "_", ".", "=" atau "-"',
      fromWithFlag: '--from mengimpor sebuah berkas; jangan digabung dengan {{flag}}',
      noSuchFile: 'tidak dapat membaca {{file}}: berkas tidak ada',
    },
    dryRun: {
      wouldAdd_other: 'uji coba: akan menambahkan {{count}} paket ke {{file}}',
    },
    alreadyRegisteredCount_other: '{{count}} sudah terdaftar',
    rejectedCount_other: '{{count}} ditolak',
    addedCount_other: '{{count}} ditambahkan',
    registered: '{{id}} terdaftar: {{village}}, {{district}} ({{code}}) di {{address}}',
    registeredTunnel: '{{id}} terdaftar: {{village}}, {{district}} ({{code}}) di {{address}}, dijangkau lewat terowongannya ke host lompatan {{bastion}}',
    alreadyRegisteredAs: 'sudah terdaftar sebagai {{id}}; tidak ada yang berubah',
    csvBeingImported: 'CSV yang sedang diimpor (--from)',
    rejectedLine: 'ditolak: {{issue}}',
    rowsRejectedDryRun_other: '{{count}} baris ditolak (uji coba: tidak ditulis)',
    rowsRejectedWritten_other: '{{count}} baris ditolak, ditulis ke {{file}}',
    cancelledNothingWritten: 'dibatalkan: tidak ada yang ditulis',
    wizard: {
      fixInventoryFirst: 'perbaiki inventaris dulu (jfleet inventory check)',
      intro: 'Mendaftarkan paket kios. Ctrl-C untuk membatalkan; tidak ada yang ditulis sebelum Anda konfirmasi.',
      village: 'Desa/kelurahan (ketik nama, kecamatan, atau kode):',
      desa: 'desa',
      kelurahan: 'kelurahan',
      address: 'Alamat (IP atau nama host):',
      plainAscii: 'hanya boleh huruf ASCII biasa',
      port: 'Port SSH:',
      addressTaken: '{{address}} sudah dipakai paket {{id}}',
      user: 'Pengguna SSH:',
      belongsTo: '{{what}} sudah milik paket {{id}}',
      serial: 'Nomor seri (opsional):',
      thisSerial: 'nomor seri ini',
      mac: 'Alamat MAC (opsional, 00:11:22:33:44:55):',
      thisMac: 'alamat MAC ini',
      model: 'Model perangkat keras (opsional):',
      tags: 'Tag (opsional, dipisah koma, misalnya ring-0):',
      tagChars: 'tag "{{tag}}" hanya boleh berisi huruf kecil, angka, "_", ".", "=" atau "-"',
      id: 'ID paket:',
      idChars: 'hanya boleh huruf kecil, angka, dan "-" (maks. 63)',
      idTaken: 'id {{id}} sudah terdaftar',
      reach: 'Bagaimana jfleet menjangkau paket ini?',
      reachDirect: 'langsung',
      reachDirectHelp: 'alamatnya menjawab SSH dari tempat jfleet berjalan (LAN kantor, VPN)',
      reachTunnel: 'lewat host lompatan {{bastion}} (terowongan balik)',
      reachTunnelHelp: 'di balik NAT operator seluler: kios menahan terowongan balik ke {{address}}; alamat di atas untuk penyiapan di LAN kantor',
      whichBastion: 'Ke host lompatan mana terowongannya?',
      custodianNote: 'Kontak penanggung jawab adalah data pribadi: opsional, hanya disimpan di berkas inventaris, tidak pernah dicatat di log atau dikirim.',
      custodianName: 'Nama penanggung jawab (opsional):',
      custodianPhone: 'Telepon penanggung jawab (opsional):',
      confirm: 'Daftarkan paket ini?',
    },
    summary: {
      title: 'Ringkasan',
      id: 'id',
      village: 'desa',
      address: 'alamat',
      user: 'pengguna',
      serial: 'seri',
      mac: 'mac',
      model: 'model',
      tags: 'tag',
      reach: 'jangkauan',
      reachDirect: 'langsung',
      reachTunnel: 'terowongan, lewat host lompatan {{bastion}}',
      reachTunnelNoBastion: 'terowongan',
      custodian: 'penanggung jawab',
    },
  },
  prompts: {
    missingFlags: '{{flags}} belum diisi: {{what}}, dan tidak ada terminal untuk bertanya',
    missingFlagsCI: '{{flags}} belum diisi: {{what}}, dan tidak ada terminal untuk bertanya (CI aktif)',
    passFlags: 'berikan {{flags}} di baris perintah',
    and: ' dan ',
    cancelledNothingChanged: 'dibatalkan: tidak ada yang diubah',
    confirmHintYes: 'Y/t',
    confirmHintNo: 'y/T',
    yes: 'Ya',
    no: 'Tidak',
    yesAnswers: 'y, ya, yes',
    noAnswers: 't, tidak, n, no',
    answerYesOrNo: 'jawab y (ya) atau t (tidak)',
    keys: {
      navigate: 'pindah',
      select: 'pilih',
    },
  },
  health: {
    mapFile: {
      title: 'Kios desa Kabupaten Jember',
      devices_other: '{{count}} perangkat',
      subtitle: '{{devices}} · {{time}}',
      village: '{{village}} ({{district}}): {{state}}',
      district: 'kecamatan',
    },
    state: {
      ok: 'ok',
      warn: 'waspada',
      critical: 'kritis',
      unknown: 'tak diketahui',
      unreachable: 'tak terjangkau',
    },
    column: {
      ok: 'ok',
      warn: 'waspada',
      critical: 'kritis',
      unknown: 'tak diketahui',
      unreachable: 'tak terjangkau',
    },
    flag: {
      hard: 'PASTI',
      soft: 'sementara',
      flapping: 'NAIK-TURUN',
      silenced: 'dibisukan',
    },
    since: 'sejak {{ago}}',
    sweep: {
      head_other: 'sweep {{count}} perangkat dalam {{seconds}} dtk',
      tail: '{{alert}} memberi peringatan (pasti), {{soft}} sementara (belum dipastikan), {{quiet}} pasti tetapi dibisukan atau naik-turun; status peringatan terburuk: {{worst}}',
      cancelled: 'sweep dibatalkan; hasil perangkat yang sudah diperiksa tetap disimpan',
      standIns_other: '{{count}} perangkat menjalankan browser pengganti lab: tidak ada browser atau layar sungguhan yang diperiksa di sana',
    },
    screenshot: {
      outputLabel: 'berkas tangkapan layar',
      noPackage: 'tidak ada paket "{{id}}" di inventaris',
      written: 'tangkapan layar {{id}} ({{width}}x{{height}}, {{kib, number}} KiB) ditulis ke {{file}}',
    },
    status: {
      noResults: 'belum ada hasil sweep: jalankan jfleet sweep',
      devices_other: '{{count}} perangkat',
      district: 'KECAMATAN',
      mapWritten_other: 'peta {{count}} perangkat ditulis ke {{file}}',
      watchSeconds: '--watch menerima detik (minimal 1), bukan "{{value}}"',
      watching: '(setiap {{seconds}} dtk; Ctrl-C untuk berhenti)',
    },
    check: {
      cannotLoadInventory: 'inventaris tidak dapat dimuat: {{reason}}',
      noPackage: 'tidak ada paket "{{id}}" di inventaris',
      cannotOpenPool: 'kumpulan koneksi SSH tidak dapat dibuka: {{reason}}',
    },
    history: {
      line: 'sejak {{since}} ({{ago}}); terakhir terlihat {{lastSeen}}; rilis {{release}}',
      never: 'belum pernah',
      neverSwept: 'belum pernah di-sweep',
      availability_other: 'ketersediaan: {{percent}} dari {{count}} sweep sejak {{since}}',
      changes: 'perubahan status (terbaru dulu):',
      new: '(baru)',
      none: 'tidak ada riwayat kesehatan untuk "{{id}}"',
      noneHint: 'periksa id-nya (jfleet inventory list) atau jalankan jfleet sweep dulu',
    },
    availability: {
      none_other: 'tidak ada hasil sweep dalam {{count}} hari terakhir',
      head_other: 'ketersediaan per desa, {{count}} hari terakhir (ok atau waspada / semua sweep):',
      village: 'DESA',
      name: 'NAMA',
      avail: 'TERSEDIA',
      sweeps: 'SWEEP',
    },
    silence: {
      giveId: 'berikan id paket yang akan dibisukan, atau --list',
      none: 'tidak ada pembisuan',
      from: 'mulai {{time}}',
      until: 'sampai {{time}}',
      cleared_other: '{{count}} pembisuan pada {{id}} dihapus',
      noneOpen: '{{id}} tidak sedang dibisukan',
      sayHowLong: 'sebutkan berapa lama: --for 2d (juga 90m, 36h, 1w)',
      sayWhy: 'sebutkan alasannya: --reason "layar diganti, menunggu suku cadang"',
      sayWhyHint: 'alasan inilah yang dibaca teknisi berikutnya',
      noPackage: 'tidak ada paket "{{id}}" di inventaris {{dir}}',
      startIso: '--start menerima waktu ISO seperti 2026-03-01T22:00:00+07:00, bukan "{{value}}"',
      silenced: '{{id}} dibisukan sampai {{until}}: {{reason}}',
      silencedFrom: '{{id}} dibisukan sampai {{until}} (mulai {{from}}): {{reason}}',
    },
  },
  schedule: {
    wrote: 'ditulis: {{file}}',
    next: 'berikutnya: {{command}}',
    oneShotTunnels_other:
      'catatan: {{count}} paket dijangkau lewat terowongan; sweep sekali-jalan menghubunginya dari awal setiap kali (~10 KiB, ~30 MiB sebulan bila tiap 15 menit); --kind daemon menjaga sesinya tetap terbuka (~4 MiB sebulan; docs/reach.md)',
    sweepLog_other: 'sweep ke-{{n}}: {{count}} perangkat dalam {{seconds, number}} dtk, {{warm}} koneksi hangat: {{counts}}; peringatan terburuk {{worst}}',
    skippedPrevious: '{{job}}: dilewati, {{job}} sebelumnya masih berjalan',
    skippedLocked: '{{job}}: dilewati, sweep lain sedang memegang kunci',
    failed: '{{job}}: gagal: {{reason}}',
    reportDone: 'laporan ke-{{n}} selesai',
    started_other: 'daemon berjalan: sweep "{{sweep}}", {{count}} perangkat, jeda acak {{jitter}} dtk (pid {{pid}})',
    startedWithReport_other: 'daemon berjalan: sweep "{{sweep}}", laporan "{{report}}", {{count}} perangkat, jeda acak {{jitter}} dtk (pid {{pid}})',
    stopping: 'berhenti: menunggu paling lama {{seconds}} dtk untuk pekerjaan yang sedang berjalan',
    stopped: 'daemon berhenti setelah {{sweeps}} sweep, {{reports}} laporan',
  },
  demo: {
    needsRoot: 'demo ini menyalakan armada tiruan berisi perangkat sshd sungguhan, dan itu memerlukan root',
    needsRootHint: 'jalankan sebagai root (misalnya sudo bash scripts/quickstart.sh)',
    cancelledBeforeStep: 'dibatalkan sebelum langkah {{n}} dari 5; armada tiruan sudah dimatikan',
    seconds: '{{seconds, number}} dtk',
    step1: 'Menyalakan {{count}} perangkat kios tiruan (sshd sungguhan, alamat, kunci host, dan sistem berkas root masing-masing)',
    devicesUp: '{{count}} perangkat menyala dalam {{time}}: {{first}} … {{last}}',
    step2: 'Mendaftarkan paket dari lembar kerja (impor CSV, dicocokkan dengan daftar desa)',
    registered: '{{count}} paket terdaftar di {{file}} ({{time}})',
    step3: 'Menyiapkan kios lewat SSH (kunci host disematkan pada kontak pertama)',
    provisioned:
      '{{count}} perangkat disiapkan dalam {{time}}: {{changed}} perubahan diterapkan, {{ok}} langkah sudah ok, {{failed}} gagal, {{unreachable}} tak terjangkau',
    failed: 'gagal',
    log: '(log: {{file}})',
    pagesAnswering: '{{ready}}/{{count}} halaman kios menjawab',
    step4: 'Sweep armada: probe dan pemeriksaan kesehatan, satu kali bolak-balik per perangkat',
    step5: 'Melaporkan armada ke API pusat (masuk outbox dulu, lalu dikirim)',
    reported: 'laporan {{id}}: {{delivered}} terkirim, {{pending}} masih antre',
    cancelledBeforeDashboard: 'dibatalkan sebelum dasbor disajikan; armada tiruan sudah dimatikan',
    done: 'Selesai',
    doneOnce: 'dalam {{time}}. Armada dan server pusat berhenti sekarang (jalankan tanpa --once agar tetap menyala dan dasbornya bisa dibuka).',
    doneDashboard: 'dalam {{time}}. Dasbor: {{url}}',
    tryAnotherShell: 'Coba, di shell lain:',
    orInstall: 'atau: npm install -g . (memasang jfleet di PATH)',
    keepRunning: 'Armada dan server pusat tetap berjalan sampai Ctrl-C.',
    finishedWithFailures: 'demo selesai dengan {{failed}} perangkat gagal disiapkan dan {{pending}} laporan belum terkirim',
    kioskBooting: 'dan satu kios Debian 12 {{id}} yang benar-benar boot (QEMU; pertama kali membangun image-nya dari mirror Debian)',
    kioskUp: 'kios boot {{id}} menyala dalam {{time}} ({{accel}}), SSH di 127.0.0.1:{{port}}',
    kioskFailed: 'kios boot tidak menyala: {{error}}',
    kioskRegistered: 'kios boot {{id}} terdaftar untuk desa {{village}}, kunci host-nya disematkan',
    kioskProvisionNote: 'kios boot memasang cage + Chromium dari mirror Debian melalui cache apt lokal: beberapa menit pada penyiapan pertamanya',
    kioskPortal: 'kios boot {{id}}: portal tampil di layar setelah {{time}}',
    kioskNoPortal: 'kios boot {{id}}: portal belum tampil di layar setelah {{time}} (jfleet sweep dan tangkapan layar menunjukkan apa yang tampil)',
    kioskScreenshot: 'tangkapan layar {{id}} ({{width}}x{{height}}): {{file}}',
    kioskNoScreenshot: 'tidak ada tangkapan layar {{id}}: {{error}}',
  },
  rollout: {
    line: {
      start_other: 'rollout {{rollout}}: rilis {{release}} ke {{count}} perangkat dalam {{waveCount}} gelombang [{{waves}}], batas gagal {{maxFail}}',
      startResuming_other:
        'rollout {{rollout}}: rilis {{release}} ke {{count}} perangkat dalam {{waveCount}} gelombang [{{waves}}], batas gagal {{maxFail}} (melanjutkan {{reopened}})',
      waveStart_other: 'gelombang {{wave}}: {{count}} perangkat',
      updated: '{{device}} diperbarui {{previous}} → {{release}}',
      none: '(belum ada)',
      skipped: '{{device}} dilewati: {{reason}}',
      pending: '{{device}} tertunda: {{reason}}',
      rolledBack: '{{device}} dikembalikan ke {{previous}}: {{reason}}',
      failed: '{{device}} GAGAL: {{reason}}',
      seconds: '({{seconds, number}} dtk)',
      canaryReplaced: 'perangkat kenari tak terjangkau: mencoba {{device}} sebagai perangkat kenari',
      waveEnd:
        'gelombang {{wave}} selesai: {{updated}} diperbarui, {{failures}} gagal ({{allowed}} diizinkan dari {{reached}} terjangkau), {{pending}} tertunda',
      interrupted: 'rollout {{rollout}} terputus; lanjutkan dengan: jfleet rollout resume',
      aborted_other: 'DIHENTIKAN: {{reason}}; {{count}} perangkat tidak diperbarui',
      nothingToResume: 'rollout {{rollout}} untuk {{release}} sudah selesai ({{state}}, kode keluar {{exitCode}} saat itu); tidak ada yang perlu dilanjutkan',
      end: 'rollout {{rollout}} {{state}}: {{updated}} diperbarui, {{rolledBack}} dikembalikan, {{failed}} gagal, {{pending}} tertunda, {{skipped}} dilewati (kode keluar {{exitCode}})',
      abortedRunning: 'rollout {{rollout}} untuk {{release}} dihentikan (proses yang berjalan berhenti setelah perangkat yang sedang dikerjakan)',
      abortedStopped: 'rollout {{rollout}} untuk {{release}} dihentikan',
    },
    junit: {
      gateFailed: 'gerbang kesehatan gagal; dikembalikan ke {{previous}}',
      gateFailedNoPrevious: 'gerbang kesehatan gagal; dikembalikan ke rilis sebelumnya',
      updateFailed: 'pembaruan gagal',
      pending: 'tertunda: tak terjangkau; rollout berikutnya akan memperbaruinya',
      pendingWhy: 'tertunda: tak terjangkau ({{why}}); rollout berikutnya akan memperbaruinya',
      notUpdatedAborted: 'tidak diperbarui: rollout dihentikan',
      notUpdatedInterrupted: 'tidak diperbarui: rollout terputus',
      suite: 'rollout {{id}} rilis {{release}} ({{state}})',
    },
    status: {
      noRollout: 'tidak ada rollout {{id}}',
      noRolloutYet: 'belum ada rollout',
      head: 'rollout {{id}}: rilis {{release}}, {{state}}',
      started: 'mulai {{started}}',
      startedFinished: 'mulai {{started}}, selesai {{finished}}',
      plan: 'gelombang {{waves}}; batas gagal {{maxFail}}',
      limit: 'selector {{selector}}',
      counts:
        '{{count}} perangkat: {{updated}} diperbarui, {{rolledBack}} dikembalikan, {{failed}} gagal, {{pending}} tertunda, {{todo}} belum dikerjakan, {{skipped}} dilewati',
      wave_other: 'gelombang {{wave}}: {{count}} perangkat, {{updated}} diperbarui, {{failed}} gagal, {{pending}} tertunda',
    },
    state: {
      planned: 'direncanakan',
      updating: 'sedang diperbarui',
      updated: 'diperbarui',
      rolled_back: 'dikembalikan',
      failed: 'gagal',
      pending: 'tertunda',
      skipped: 'dilewati',
    },
    release: {
      added: 'rilis {{version}} ditambahkan: {{files}} berkas, {{bytes, number}} bita (arsip {{archiveBytes, number}} bita, sha256 {{sha}})',
      alreadyPresent: 'sudah ada: rilis {{version}}: {{files}} berkas, {{bytes, number}} bita (arsip {{archiveBytes, number}} bita, sha256 {{sha}})',
      none: 'belum ada rilis (tambahkan: jfleet release add PATH --version V)',
      listFiles: '{{files}} berkas',
      hasCheck: '(ada pemeriksaan)',
    },
    rolloutState: {
      running: 'berjalan',
      interrupted: 'terputus',
      completed: 'selesai',
      completed_failures: 'selesai dengan kegagalan',
      completed_pending: 'selesai dengan perangkat tertunda',
      aborted: 'dihentikan',
    },
  },
  report: {
    nextAttempt: 'percobaan berikutnya dalam {{seconds}} dtk ({{time}})',
    duplicates: '({{count}} sudah ada di API pusat)',
    delivered_other: '{{count}} laporan terkirim ke {{url}}',
    deadLettered: '{{id}} gagal permanen: {{reason}} (lihat jfleet outbox list)',
    interrupted_other: 'terputus; {{count}} laporan tetap antre untuk pengiriman berikutnya',
    busy_other: 'jfleet lain (pid {{pid}} di {{host}}) sedang mengirim outbox; {{count}} laporan antre di belakangnya',
    stillQueued_other: '{{count}} laporan masih antre: {{reason}}',
    notDueYet: 'belum waktunya',
    deadCount_other: '{{count}} laporan gagal permanen',
    attempt: 'laporan {{id}} percobaan ke-{{attempt}}: {{reason}}',
    outboxEmpty: 'outbox kosong',
    nothingQueued: 'tidak ada yang antre atau gagal permanen',
    queued: 'laporan {{id}} masuk antrean ({{packages}} paket, {{changes}} perubahan status)',
    column: {
      report: 'LAPORAN',
      created: 'DIBUAT',
      status: 'STATUS',
      tries: 'COBA',
      packages: 'PAKET',
      note: 'CATATAN',
    },
    status: {
      pending: 'antre',
      delivered: 'terkirim',
      dead: 'mati',
    },
    deliveredAt: 'terkirim {{time}}',
    alreadyThere: '(sudah ada)',
    notTriedYet: 'belum dicoba',
    next: 'berikutnya {{time}}',
    retried_other: '{{count}} laporan antre dan siap dikirim; kirim dengan jfleet report --flush',
    dropped_other: '{{count}} laporan dibuang',
  },
  help: {
    shared: {
      limit: 'selector paket: kecamatan, awalan kode, desa, pola id, tag:NAMA, @failed; "," = atau, "&" = dan, "!" = bukan',
      json: 'cetak JSON yang dapat dibaca mesin di stdout',
      forks: 'jumlah perangkat yang dikerjakan sekaligus (bawaan: config "forks", atau 50)',
    },
    central: {
      description: 'server pelaporan pusat rujukan (untuk kabupaten tanpa API pusat, untuk pengujian, dan untuk demo)',
      serve: {
        opt: {
          serverName: 'nama Host yang dipakai klien untuk menjangkaunya (boleh berulang), selain alamat --host dan localhost',
          publicRead: 'di alamat selain loopback, layani pembacaan tanpa token baca (operator memang menghendakinya)',
          readToken: 'pembacaan (dasbor, JSON armada) memerlukan token ini, bahkan di loopback (lebih baik JFLEET_CENTRAL_READ_TOKEN)',
          tlsKey: 'kunci privat PEM untuk --tls-cert',
          tlsCert: 'layani HTTPS dengan sertifikat PEM ini',
          token: 'token bearer yang wajib dikirim runner (lebih baik JFLEET_CENTRAL_TOKEN: opsi terlihat di ps)',
          db: 'basis data SQLite-nya (bawaan $JFLEET_HOME/central/central.db)',
          host: 'alamat untuk mendengarkan',
          port: 'port TCP (0 = port bebas mana saja)',
        },
        description: 'layani API pelaporan pusat (kontrak v1) dan dasbor armada sampai dihentikan',
        helpAfter: `
Penulisan (POST /v1/reports) memerlukan token bearer. Pembacaan (dasbor di /, GET /v1/fleet,
GET /v1/devices/ID/history) terbuka di loopback; di alamat lain perlu token baca
(JFLEET_CENTRAL_READ_TOKEN atau --read-token: "Authorization: Bearer TOKEN", atau jendela login
browser dengan nama pengguna apa saja dan token sebagai kata sandi) kecuali Anda menyatakan
--public-read. Token baca, bila diberikan, juga wajib di loopback.

Permintaan yang Host-nya bukan alamat --host, localhost, atau --server-name ditolak dengan
421 (DNS rebinding); di 0.0.0.0 atau :: alamat IP apa pun diterima sebagai Host. Tidak ada halaman
yang boleh membingkainya. Isi laporan paling besar 16 MiB (413); semua isi yang sedang diterima
bersama-sama paling besar 64 MiB (503 dengan Retry-After). Laporan bertanggal lebih dari 5 menit
di depan jam server ini mendapat 422. Kontraknya ada di openapi/jfleet-central.v1.json.

Contoh:
  $ JFLEET_CENTRAL_TOKEN=s3cret jfleet central serve --port 8480
  $ JFLEET_CENTRAL_READ_TOKEN=r34d jfleet central serve --host 0.0.0.0 --server-name central.desa.local
  $ jfleet config set api.url http://127.0.0.1:8480 && jfleet config set api.token s3cret
  $ jfleet report && xdg-open http://127.0.0.1:8480/`,
      },
    },
    config: {
      description: 'baca dan ubah pengaturan jfleet ($JFLEET_HOME/config.json, mode 0600)',
      list: {
        description: 'setiap kunci dengan nilainya, sumbernya (berkas atau env), dan keterangannya',
        helpAfter: `
Contoh:
  $ jfleet config list
  $ JFLEET_API_TOKEN=... jfleet config list --json`,
      },
      get: {
        arg: {
          key: 'misalnya api.url, forks, inventory',
        },
        description: 'cetak satu nilai (rahasia disamarkan)',
        helpAfter: `
Kode keluar: 0 dicetak, 1 kunci belum diisi, 2 kunci tidak dikenal.

Contoh:
  $ jfleet config get forks
  $ jfleet config get api.url --json`,
      },
      set: {
        arg: {
          value: 'nilai baru (path disimpan sebagai path absolut)',
          key: 'misalnya api.url',
        },
        description: 'periksa lalu simpan satu nilai',
        helpAfter: `
Contoh:
  $ jfleet config set inventory ./inventories/example
  $ jfleet config set schedule.sweep "*/15 * * * *"`,
      },
      unset: {
        arg: {
          key: 'misalnya api.token',
        },
        description: 'hapus satu nilai (kembali ke bawaan)',
        helpAfter: `
Contoh:
  $ jfleet config unset api.token`,
      },
      helpAfter: `
Setiap kunci dapat ditimpa untuk satu kali jalan dengan variabel lingkungan: JFLEET_ ditambah
kuncinya dalam huruf besar dengan "." menjadi "_" (api.url → JFLEET_API_URL, keyFile → JFLEET_KEY_FILE).
Rahasia (api.token) ditampilkan tersamar.

Contoh:
  $ jfleet config list
  $ jfleet config set api.url https://central.example.lan
  $ jfleet config set forks 20
  $ jfleet config get api.token          # tersamar
  $ JFLEET_FORKS=5 jfleet config get forks`,
    },
    demo: {
      opt: {
        once: 'hentikan semuanya setelah selesai, alih-alih menyajikan dasbor sampai Ctrl-C',
        port: 'port server pusat lokal (0 = port bebas mana saja)',
        devices: 'jumlah perangkat tiruan yang dinyalakan',
        kiosk: 'tambahkan satu kios Debian 12 yang benar-benar boot (QEMU): disiapkan dengan cage + Chromium dari mirror Debian, diakhiri tangkapan layarnya',
      },
      description:
        'jalankan pekerjaan utama dari awal sampai akhir di lingkungan bawaan: armada tiruan lokal (perangkat sshd sungguhan), pendaftaran, penyiapan, sweep, dan laporan ke server pusat lokal beserta dasbornya',
      helpAfter: `
Memerlukan root (perangkat tiruan adalah proses sshd sungguhan di namespace masing-masing).
Semuanya berada di $JFLEET_HOME/demo; config dan status armada sungguhan tidak pernah disentuh.

Contoh:
  $ sudo jfleet demo                 # 12 perangkat, dasbor disajikan sampai Ctrl-C
  $ jfleet demo --devices 30 --once  # jalankan, cetak ringkasan, bersihkan
  $ sudo jfleet demo --kiosk --once  # ditambah satu kios sungguhan yang boot, diakhiri tangkapan layarnya
                                     # (pertama kali: ~2 menit membangun image + ~6 menit instalasi apt di QEMU)`,
    },
    exec: {
      arg: {
        command: 'perintahnya: satu argumen adalah baris shell apa adanya; beberapa argumen adalah argv, masing-masing dikutip',
      },
      description: 'jalankan perintah di setiap perangkat terpilih lewat SSH, dengan rekap per perangkat',
      opt: {
        timeout: 'batas waktu perintah per perangkat (bawaan 60)',
        connectTimeout: 'batas waktu sambungan TCP + jabat tangan SSH (bawaan: yang lebih kecil dari 10 dan --timeout)',
      },
      helpAfter: `
Penanda {id}, {village}, {address}, dan {var.NAME} diganti dengan nilai tiap perangkat, sebagai
data, tidak pernah sebagai shell. Nilai yang berisi $ \` [ ] <( >( (bash bisa menjalankannya dalam
aritmetika atau subskrip array) ditolak, begitu juga nilai di dalam teks yang lebih panjang (mungkin
skrip untuk shell lain: 'echo {var.n}') yang bukan kata biasa; sebelum perangkat mana pun dihubungi, keluar 2.
Baris keluaran diawali "ID | " (stdout) dan "ID ! " (stderr); di terminal sebuah baris kemajuan
menampilkan selesai/total di stderr.

Kode keluar: 0 setiap perangkat menjalankan perintah dan keluar 0; 1 ada perangkat yang gagal,
tak terjangkau, menolak autentikasi, menawarkan kunci host yang berubah, atau melewati batas waktu
(rekapnya menyebutkan yang mana; --limit @failed memilihnya lain kali); 2 salah pakai atau kesalahan inventaris.

Contoh:
  $ jfleet exec -- uptime
  $ jfleet exec --limit Rambipuji --forks 20 --timeout 30 -- 'df -P / | tail -1'
  $ jfleet exec --limit @failed --json -- systemctl is-active jfleet-kiosk
  $ jfleet exec -- echo {id} {var.kiosk_listen}`,
    },
    ssh: {
      arg: {
        command: 'jalankan ini, bukan shell',
        id: 'id paket',
      },
      description: 'buka shell interaktif di satu perangkat (kunci host dicocokkan dengan yang tersemat)',
      helpAfter: `
Kunci host perangkat harus cocok dengan sidik jari yang disematkan di inventaris (disematkan pada
kontak pertama, setelah perangkat membuktikan ia memegang kuncinya). Jika berubah, sambungan
ditolak sampai: jfleet hostkey accept ID.

Contoh:
  $ jfleet ssh kiosk-rambipuji
  $ jfleet ssh kiosk-rambipuji -- journalctl -u jfleet-kiosk -n 50`,
    },
    sweep: {
      opt: {
        report: 'lalu antrekan laporan dan kirim outbox, seperti jfleet report (docs/reporting.md)',
        wait: 'jika sweep lain sedang berjalan, tunggu sampai selesai alih-alih keluar dengan 75',
      },
      description: 'jalankan probe sekali pada setiap perangkat terpilih, simpan hasilnya, cetak ringkasan',
      helpAfter: `
Satu skrip kecil per perangkat (sekali bolak-balik), pemeriksaan dinilai di sini, status sementara/pasti
disimpan di $JFLEET_HOME/state/jfleet.db. Ambang batas, kelompok, target probe, dan jendela perawatan
diambil dari health.yaml di direktori inventaris (docs/health.md).

Kode keluar (status PASTI terburuk dari perangkat yang tidak dibisukan dan tidak naik-turun):
  0 ok (masalah sementara tidak dihitung)   1 waspada   3 tak diketahui   6 kritis   7 tak terjangkau
  2 salah pakai atau masukan salah   75 sweep lain memegang kunci   130 dibatalkan
Dengan --report, kode keluar laporan yang menang bila laporan gagal (lihat jfleet report --help): 1 laporan
masih antre, 2 API pusat belum diatur atau tokennya ditolak, 75 outbox sedang sibuk.

Contoh:
  $ jfleet sweep
  $ jfleet sweep --limit Kencong --json
  $ jfleet sweep --forks 100 --wait       # dari cron: antre di belakang sweep yang berjalan
  $ jfleet sweep --report                 # sweep, lalu laporkan ke API pusat`,
    },
    screenshot: {
      arg: {
        id: 'id paket',
      },
      opt: {
        output: 'ke mana PNG ditulis (bawaan: ID.png)',
      },
      description: 'ambil PNG dari apa yang tampil di layar kios saat ini',
      helpAfter: `
Menjalankan grim di perangkat sebagai pengguna kios di dalam sesi Wayland-nya (cage menyediakan
tangkapan layar) lalu membawa PNG-nya kembali lewat koneksi SSH yang sama; berkas ditulis utuh atau
tidak sama sekali, dan tidak pernah menimpa masukan atau status jfleet. Perangkat yang layarnya tidak
bisa diambil menyebutkan alasannya dalam satu baris, keluar 1: browser pengganti lab, tidak ada layar
tersambung, sesi kios tidak berjalan.

Kode keluar: 0 tertulis   1 layar perangkat tidak bisa diambil, atau perangkat tak terjangkau
  2 id tidak dikenal, atau keluaran yang tidak boleh atau tidak bisa ditulis

Contoh:
  $ jfleet screenshot kiosk-rambipuji-1
  $ jfleet screenshot kiosk-rambipuji-1 -o /tmp/rambipuji.png`,
    },
    check: {
      arg: {
        id: 'id paket',
      },
      description: 'periksa satu perangkat sekarang, sebagai plugin Nagios/Icinga (keluar 0/1/2/3, satu baris dengan perfdata)',
      helpAfter: `
Mengikuti kontrak plugin Nagios: satu baris status "JFLEET STATE - id: ringkasan | perfdata" dan
keluar 0 OK, 1 WARNING, 2 CRITICAL (juga bila perangkat tak terjangkau), 3 UNKNOWN (termasuk
id atau inventaris yang salah). Tidak menyimpan apa pun: Nagios menyimpan status sementara/pastinya sendiri.

Contoh:
  $ jfleet check kiosk-rambipuji-1
  # Nagios: define command { command_name check_jfleet  command_line jfleet check $HOSTNAME$ }`,
    },
    status: {
      opt: {
        map: 'tulis peta Jember dengan tiap desa diwarnai sesuai statusnya (.svg, .png, atau .html)',
        watch: 'gambar ulang setiap beberapa detik (bawaan 5) sampai Ctrl-C',
      },
      description: 'armada sekilas, dikelompokkan per kecamatan: jumlah per status, masalah, dan sejak kapan',
      helpAfter: `
Membaca hasil sweep terakhir; tidak pernah menyentuh perangkat dan tidak pernah menunggu sweep yang berjalan.

Contoh:
  $ jfleet status
  $ jfleet status --limit Kencong --json
  $ jfleet status --watch 10
  $ jfleet status --map fleet.png          # juga fleet.svg, fleet.html`,
    },
    history: {
      arg: {
        id: 'id paket',
      },
      description: 'pemeriksaan, perubahan status, dan ketersediaan satu perangkat; tanpa id, ketersediaan per desa',
      opt: {
        days: 'rentang waktu ke belakang',
      },
      helpAfter: `
Ketersediaan adalah bagian sweep saat perangkat menjawab dengan status ok atau waspada.

Contoh:
  $ jfleet history kiosk-rambipuji-1
  $ jfleet history --days 30              # ketersediaan per desa selama 30 hari terakhir
  $ jfleet history kiosk-rambipuji-1 --days 7 --json`,
    },
    silence: {
      opt: {
        clear: 'akhiri pembisuan ID yang masih berlaku sekarang',
        list: 'daftar pembisuan yang masih berlaku',
        start: 'mulai nanti (waktu ISO): jendela perawatan sekali jalan',
        reason: 'alasannya (dibaca teknisi berikutnya)',
        for: 'berapa lama: 90m, 36h, 2d, 1w',
      },
      arg: {
        id: 'id paket',
      },
      description: 'bisukan peringatan perangkat yang sedang diperbaiki (juga --list, --clear)',
      helpAfter: `
Perangkat yang dibisukan tetap di-sweep dan ditampilkan, tetapi tidak pernah dihitung dalam kode keluar sweep.
Jendela perawatan yang berulang (misalnya reboot tiap malam) diatur di health.yaml (docs/health.md).

Contoh:
  $ jfleet silence kiosk-rambipuji-1 --for 2d --reason "layar diganti, menunggu suku cadang"
  $ jfleet silence kiosk-kencong-2 --start 2026-03-01T22:00:00+07:00 --for 3h --reason "perbaikan listrik"
  $ jfleet silence --list
  $ jfleet silence kiosk-rambipuji-1 --clear`,
    },
    inventory: {
      description: 'daftar, tampilkan, periksa, dan hapus paket yang terdaftar',
      list: {
        description: 'daftar paket (semua, atau yang dipilih --limit)',
        helpAfter: `
Contoh:
  $ jfleet inventory list
  $ jfleet inventory list --limit 'tag:ring-0 & !Kaliwates' --json`,
      },
      show: {
        opt: {
          withCustodian: 'sertakan kontak penanggung jawab (data pribadi; disembunyikan secara bawaan)',
        },
        arg: {
          id: 'id paket',
        },
        description: 'tampilkan satu paket',
        helpAfter: `
Contoh:
  $ jfleet inventory show rambipuji-1
  $ jfleet inventory show rambipuji-1 --json`,
      },
      check: {
        description: 'periksa inventaris: skema, duplikat, desa tak dikenal, alamat yang dipakai bersama; keluar 2 jika ada kesalahan',
        helpAfter: `
Kode keluar: 0 tidak ada kesalahan (peringatan boleh), 2 ada kesalahan.

Contoh:
  $ jfleet inventory check
  $ jfleet --inventory inventories/example inventory check --json`,
      },
      remove: {
        opt: {
          dryRun: 'tampilkan apa yang akan dihapus, jangan tulis apa pun',
          yes: 'jangan minta konfirmasi',
        },
        arg: {
          ids: 'id paket',
        },
        description: 'hapus paket menurut id (atau --limit); meminta konfirmasi kecuali --yes',
        helpAfter: `
Tanpa terminal dan tanpa --yes ia menolak (keluar 2), alih-alih menunggu jawaban.

Contoh:
  $ jfleet inventory remove rambipuji-1
  $ jfleet inventory remove --limit 'tag:retired' --yes`,
      },
      helpAfter: `
Inventaris adalah <dir>/packages.yaml, dengan <dir> berupa --inventory, $JFLEET_INVENTORY, config
"inventory", atau $JFLEET_HOME/inventory. Tata bahasa selector untuk --limit: docs/selectors.md.

Contoh:
  $ jfleet inventory list --limit Rambipuji
  $ jfleet inventory show rambipuji-1 --json
  $ jfleet inventory check
  $ jfleet inventory remove rambipuji-1 --yes`,
    },
    bastion: {
      description: 'host lompatan (bastion) tempat kios di balik NAT operator seluler menahan terowongan balik (jalankan di host lompatan, sebagai root)',
      helpAfter: `
Kios dengan "reach: tunnel" di inventaris menjalankan jfleet-tunnel.service: ssh -NT biasa yang menahan
-R /run/jfleet/<id>/ssh.sock:localhost:22 di host lompatan. Setiap kios masuk sebagai pengguna terkunci
miliknya sendiri yang hanya boleh mengikat soketnya sendiri (tanpa shell, tanpa PTY, tanpa penerusan TCP);
operator (grup jfleet-ops) hanya boleh membuka soket itu. Sesi SSH runner ke kios berjalan ujung ke ujung
di dalam soket itu, dicocokkan dengan kunci host kios itu sendiri yang sudah disematkan: host lompatan
tidak menyimpan kunci apa pun yang bisa masuk ke kios. Lihat docs/reach.md.

Contoh:
  $ jfleet bastion init                         # cetak drop-in sshd dan tata letaknya
  $ sudo jfleet bastion init --apply --operator jfleet --operator-key fleet_ed25519.pub
  $ sudo jfleet bastion add kiosk-rambipuji --key "ssh-ed25519 AAAA… jfleet-tunnel kiosk-rambipuji"
  $ sudo jfleet bastion revoke kiosk-rambipuji`,
      opt: {
        root: 'sistem berkas root host lompatan (untuk host lompatan lab: root-nya)',
        socketDir: 'tempat soket para kios (sama dengan socketDir di bastions.yaml)',
      },
      init: {
        description: 'cetak (atau terapkan dengan --apply) drop-in sshd, tmpfiles, dan akun sebuah host lompatan',
        opt: {
          apply: 'tulis tata letaknya (grup, drop-in, tmpfiles, direktori soket, operator), bukan mencetaknya',
          ports: 'port tempat sshd mendengarkan (443 lolos di operator seluler yang menyaring 22)',
          maxStartups: 'MaxStartups sshd start:rate:full, cukup untuk seluruh armada yang tersambung ulang bersamaan',
          operator: 'login runner di host lompatan (grup jfleet-ops, hanya akses SFTP dan soket)',
          operatorKey: 'kunci publik runner untuk --operator (misalnya $JFLEET_HOME/keys/fleet_ed25519.pub)',
        },
        helpAfter: `
Setelah --apply: sshd -t && systemctl reload ssh (sesi yang terbuka tetap jalan).

Contoh:
  $ jfleet bastion init > bastion-layout.txt
  $ sudo jfleet bastion init --apply --operator jfleet --operator-key /tmp/fleet_ed25519.pub`,
      },
      add: {
        description: 'izinkan satu kios menahan terowongannya: pengguna terkuncinya, kunci terowongannya, direktori soketnya',
        arg: {
          id: 'id paket',
        },
        opt: {
          key: 'kunci publik terowongan kios (/etc/jfleet/tunnel_ed25519.pub di kios; provision mencetaknya)',
          keyFile: 'baca baris kunci dari berkas ini',
        },
        helpAfter: `
Contoh:
  $ sudo jfleet bastion add kiosk-rambipuji --key "$(cat kiosk-rambipuji.tunnel.pub)"`,
      },
      revoke: {
        description: 'putus satu kios: kuncinya dihapus, penggunanya dikunci, terowongannya yang aktif diputus, soketnya dihapus',
        arg: {
          id: 'id paket',
        },
        helpAfter: `
Kios yang dicuri atau sudah tidak dipakai: terowongannya langsung putus dan setiap login berikutnya ditolak.
jfleet bastion add ID --key … mengizinkannya masuk lagi.

Contoh:
  $ sudo jfleet bastion revoke kiosk-rambipuji`,
      },
    },
    keys: {
      description: 'kunci SSH armada yang dipakai jfleet untuk masuk',
      init: {
        opt: {
          force: 'ganti kunci armada yang sudah ada (perangkat yang mempercayai kunci lama akan menolak jfleet)',
        },
        description: 'buat kunci armada (ed25519, bagian privat mode 0600 di JFLEET_HOME/keys)',
        helpAfter: `
Contoh:
  $ jfleet keys init
  $ JFLEET_HOME=/srv/jfleet jfleet keys init --json`,
      },
      show: {
        description: 'cetak kunci publik armada dan sidik jarinya (untuk dipasang di perangkat)',
        helpAfter: `
Contoh:
  $ jfleet keys show`,
      },
      helpAfter: `
jfleet mencoba, berurutan: identityFile paket, config "keyFile" (JFLEET_KEY_FILE), kunci armada
$JFLEET_HOME/keys/fleet_ed25519, kunci yang disebut di ~/.ssh/config, dan ssh-agent
(SSH_AUTH_SOCK). Kata sandi hanya dipakai oleh bootstrap saat pertama menyala.

Contoh:
  $ jfleet keys init
  $ jfleet keys show`,
    },
    hostkey: {
      description: 'kunci host yang disematkan di inventaris (dipercaya pada pemakaian pertama)',
      accept: {
        opt: {
          yes: 'sematkan kunci apa pun yang dibuktikan perangkat tanpa bertanya (lebih baik --expect)',
          expect: 'sematkan hanya jika perangkat membuktikan kunci ini (SHA256:…, seperti dicetak ssh-keygen -lf); tanpa pertanyaan',
        },
        arg: {
          id: 'id paket',
        },
        description: 'sematkan ulang kunci host perangkat setelah dipasang ulang: menampilkan kunci tersemat dan yang terbukti lalu bertanya (atau --expect)',
        helpAfter: `
Kunci host yang berubah berarti perangkat dipasang ulang atau ada penyadap di tengah jalan. jfleet
menolak tersambung (menampilkan kedua sidik jari) sampai perintah ini menyematkannya ulang; tidak ada
opsi untuk melewati pemeriksaan ini. Perangkat harus membuktikan ia memegang kuncinya (pertukaran
kunci SSH yang tuntas); kunci yang hanya ditawarkan tidak pernah disematkan. Di terminal, sidik jari
yang tersemat dan yang terbukti ditampilkan lalu Anda mengonfirmasi. Tanpa terminal berikan
--expect dengan sidik jari yang dibaca di perangkat itu sendiri (kunci terbukti yang berbeda: keluar 2,
tidak ada yang ditulis), atau --yes; tanpa keduanya ia menolak (keluar 2).

Contoh:
  $ jfleet hostkey accept kiosk-rambipuji
  $ ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub     # di perangkat, dari konsolnya
  $ jfleet hostkey accept kiosk-rambipuji --expect SHA256:Qx0vY2mJ3l0bq9zqkTn8Hc1V6Jm3sYx4bW0eQ1xL2aE`,
      },
    },
    lab: {
      description: 'armada tiruan berisi perangkat SSH sungguhan di mesin ini (pelatihan, demo, pengujian)',
      up: {
        description: 'nyalakan lab dan tulis inventarisnya; mencetak variabel lingkungan untuk memakainya',
        opt: {
          devices: 'jumlah perangkat',
          passwordOnly: 'N perangkat terakhir hanya menerima kata sandi root (latihan bootstrap)',
        },
        helpAfter: `
Contoh:
  $ sudo jfleet lab up --devices 100
  $ sudo jfleet lab up --devices 10 --password-only 2 --json`,
      },
      down: {
        arg: {
          id: 'satu id lab (bawaan: setiap lab yang dinyalakan dengan lab up)',
        },
        description: 'matikan lab yang dinyalakan dengan lab up (setiap proses menurut pid, setiap mount), lalu hapus',
        helpAfter: `
Contoh:
  $ sudo jfleet lab down`,
      },
      status: {
        description: 'daftar lab di mesin ini dan berapa perangkatnya yang menjawab',
        helpAfter: `
Contoh:
  $ jfleet lab status --json`,
      },
      helpAfter: `
Setiap perangkat adalah sshd OpenSSH sungguhan di alamat loopback sendiri (127.<100+slot>.x.y) dengan
kunci host, nama host, tabel proses, dan root copy-on-write sendiri, di desa Jember yang sungguhan.
Memerlukan root (mount, unshare, chroot); memasang openssh-server bila belum ada. Lihat docs/lab.md.

Contoh:
  $ sudo jfleet lab up --devices 20
  $ export JFLEET_INVENTORY=...   # dicetak oleh lab up
  $ jfleet exec -- hostname
  $ sudo jfleet lab status
  $ sudo jfleet lab down`,
    },
    provision: {
      opt: {
        direct: 'jangkau paket yang memakai terowongan secara langsung untuk sekali ini (uji coba di LAN kantor, sebelum terowongannya ada)',
        verbose: 'tampilkan juga langkah yang sudah ok',
        recipe: 'direktori resep (bawaan: recipes/kiosk yang disertakan)',
        profile: 'profil resep, misalnya "lab" (jika kosong: vars.recipe_profile paket)',
        passwordFile: 'kata sandi root pabrik untuk --bootstrap (jika kosong: $JFLEET_BOOTSTRAP_PASSWORD)',
        bootstrap: 'bila kunci armada belum diterima, masuk dengan kata sandi pabrik, pasang kuncinya, sematkan kunci host, lalu lanjutkan dengan kunci',
        yes: 'terapkan tanpa bertanya (wajib jika tanpa terminal)',
        diff: 'tampilkan sebelum/sesudah berkas dan pengaturan',
        check: 'rencana saja: tampilkan apa yang akan berubah; perangkat tidak disentuh',
      },
      description: 'siapkan kios sampai sesuai keadaan yang diminta resep, lewat SSH (idempoten; aman dijalankan ulang)',
      helpAfter: `
Setiap langkah melaporkan ok, diubah, gagal, atau dilewati; lalu rekap per perangkat dan totalnya.
Kode keluar: 0 semua perangkat ok, 1 ada perangkat yang gagal (jalankan ulang dengan --limit @failed),
2 salah pakai/masukan salah atau konfirmasi tidak mungkin, 130 dibatalkan. Rincian: docs/provision.md.

Contoh:
  $ jfleet provision --check --diff
  $ jfleet provision --limit Kaliwates --yes
  $ jfleet provision --limit @failed --yes
  $ JFLEET_BOOTSTRAP_PASSWORD=... jfleet provision --limit desa-1 --bootstrap --yes
  $ jfleet provision --profile lab --yes --json
  $ jfleet provision --limit kiosk-rambipuji --direct --yes   # menyiapkan kios reach: tunnel (docs/reach.md)`,
    },
    register: {
      opt: {
        yes: 'wizard: daftarkan tanpa meminta konfirmasi ringkasan',
        dryRun: 'tampilkan apa yang akan ditulis, jangan tulis apa pun',
        rejected: 'bersama --skip-invalid: ke mana baris yang ditolak ditulis (bawaan: <file>.rejected.csv)',
        skipInvalid: 'bersama --from: impor baris yang baik dan tulis baris yang ditolak ke sebuah berkas',
        from: 'impor massal: CSV yang baris judulnya menyebut kolomnya: village, address (wajib), id, port, user, serial, mac, model, tags, jump, reach, bastion, custodian_name, custodian_phone',
        custodianPhone: 'telepon penanggung jawab (data pribadi: opsional, hanya disimpan di inventaris)',
        custodianName: 'penanggung jawab (data pribadi: opsional, hanya disimpan di inventaris)',
        jump: 'host lompatan (jump host): id paket lain atau [user@]host[:port]',
        reach:
          'cara jfleet menjangkaunya: direct (bawaan), atau tunnel: di balik NAT operator seluler, lewat terowongan baliknya ke host lompatan (docs/reach.md)',
        bastion: 'host lompatan di bastions.yaml tujuan terowongannya (berarti --reach tunnel; bawaan bersama --reach tunnel: satu-satunya host lompatan)',
        tag: 'tag, misalnya cincin rollout (boleh berulang)',
        model: 'model perangkat keras',
        mac: 'alamat MAC, misalnya 00:11:22:33:44:55',
        serial: 'nomor seri perangkat keras',
        user: 'pengguna SSH (bawaan root)',
        id: 'id paket (bawaan: dibuat dari nama desa, misalnya rambipuji-1)',
        address: 'alamat IP atau nama host RFC 1123 tempat paket menjawab SSH',
        village: 'kode desa (35.09.13.2006) atau nama desa yang tunggal',
        port: 'port SSH (bawaan 22)',
      },
      description: 'daftarkan paket kios ke inventaris (wizard, opsi, atau --from CSV)',
      helpAfter: `
Di terminal, --village/--address yang belum diisi memulai wizard (cari desa sambil mengetik, setiap
jawaban langsung diperiksa, ringkasan, konfirmasi). Tanpa terminal, atau dengan CI aktif, tidak pernah
bertanya: menyebutkan opsi yang kurang lalu keluar dengan 2. Mengimpor ulang CSV yang sama tidak mengubah apa pun.

Contoh:
  $ jfleet register                                        # wizard
  $ jfleet register --village 35.09.13.2006 --address kiosk-rambipuji.lan \\
      --serial SN123 --mac 00:11:22:33:44:55 --model "NUC 11" --tag ring-0
  $ jfleet register --village 35.09.13.2006 --address 10.20.0.15 --bastion bastion-jember
                                                           # di balik NAT operator seluler: reach: tunnel (docs/reach.md)
  $ jfleet register --from packages.csv --dry-run
  $ jfleet register --from packages.csv --skip-invalid --rejected bad-rows.csv`,
    },
    report: {
      opt: {
        flush: 'kirim yang sudah antre tanpa membuat laporan baru',
        dryRun: 'cetak laporan yang akan dikirim; tidak mengantrekan dan tidak mengirim apa pun',
        wait: 'terus mencoba selama paling lama ini sebelum membiarkan sisanya antre',
      },
      description: 'antrekan laporan armada (status setiap paket, perubahan status sejak laporan terakhir) lalu kirim outbox ke API pusat',
      helpAfter: `
Setiap laporan ditulis dulu ke outbox ($JFLEET_HOME/state/jfleet.db) sebelum dikirim, dan
outbox dikirim berurutan: laporan yang belum bisa dikirim tetap antre (dengan jeda yang makin
panjang) dan dikirim oleh jfleet report, sweep --report, atau daemon berikutnya.
API pusat menyimpan setiap id laporan sekali saja, jadi tidak ada yang terhitung dua kali.

Pengaturan: api.url, api.token, api.caFile (atau JFLEET_API_URL, JFLEET_API_TOKEN,
JFLEET_API_CA_FILE). Token tidak pernah dicetak.

Kode keluar:
  0   laporan masuk antrean dan semua yang antre sudah terkirim
  1   masih ada laporan yang antre (API pusat tak terjangkau atau gagal) atau gagal permanen
  2   API pusat belum diatur, atau tokennya ditolak (laporan tetap antre)
  75  jfleet lain sedang mengirim outbox saat ini (laporan antre di belakangnya)

Contoh:
  $ jfleet report                      # antrekan laporan dan kirim outbox sekarang
  $ jfleet report --dry-run | less     # isi JSON-nya, tidak ada yang ditulis atau dikirim
  $ jfleet report --wait 120           # terus mencoba sampai dua menit
  $ JFLEET_API_URL=http://127.0.0.1:8480 JFLEET_API_TOKEN=... jfleet report --json`,
    },
    outbox: {
      description: 'periksa dan kelola antrean laporan yang menunggu API pusat',
      list: {
        opt: {
          all: 'tampilkan juga laporan yang terakhir terkirim',
        },
        description: 'daftar laporan yang antre dan yang gagal permanen, yang terlama dulu',
        helpAfter: `
Contoh:
  $ jfleet outbox list
  $ jfleet outbox list --all --json`,
      },
      retry: {
        opt: {
          all: 'setiap laporan yang antre dan yang gagal permanen',
        },
        arg: {
          report: 'id laporan (atau awalan yang tunggal)',
        },
        description: 'kembalikan laporan yang gagal permanen ke antrean dan jadikan yang antre siap dikirim sekarang',
        helpAfter: `
Contoh:
  $ jfleet outbox retry --all && jfleet report --flush
  $ jfleet outbox retry 0190e3a1`,
      },
      drop: {
        opt: {
          yes: 'konfirmasi: pembuangan tidak bisa dibatalkan',
          dead: 'setiap laporan yang gagal permanen',
        },
        arg: {
          report: 'id laporan (atau awalan yang tunggal)',
        },
        description: 'buang laporan dari outbox untuk selamanya (API pusat tidak akan pernah menerimanya)',
        helpAfter: `
Contoh:
  $ jfleet outbox drop --dead --yes
  $ jfleet outbox drop 0190e3a1 --yes`,
      },
      helpAfter: `
Contoh:
  $ jfleet outbox list                 # laporan yang antre dan yang gagal permanen
  $ jfleet outbox list --all --json    # termasuk yang terakhir terkirim
  $ jfleet outbox retry --all          # yang gagal permanen kembali ke antrean, siap dikirim
  $ jfleet outbox drop 0190e3 --yes    # buang satu laporan untuk selamanya (id atau awalan id)`,
    },
    release: {
      description: 'bundel rilis kios berversi (disimpan di $JFLEET_HOME/releases)',
      add: {
        opt: {
          version: 'versi rilis, misalnya 1.4.0',
        },
        arg: {
          path: 'direktori bundel atau tarball',
        },
        description:
          'simpan bundel rilis (direktori atau .tar.gz berisi www/index.html, config opsional, dan skrip "check" opsional); tidak dapat diubah, dengan checksum',
        helpAfter: `
Bundel berisi aplikasi kios (www/index.html dan asetnya), konfigurasinya, dan secara opsional
"check" yang dapat dijalankan, yang dijalankan gerbang kesehatan di tiap perangkat setelah peralihan
(keluar 0 = sehat; ia melihat JFLEET_DEVICE, JFLEET_VILLAGE, JFLEET_TAGS, JFLEET_MODEL, dan JFLEET_VAR_<NAME>).
jfleet menulis manifest.json (versi + sha256 setiap berkas). Menambahkan versi yang sama lagi dengan
isi yang sama tidak mengubah apa pun; dengan isi berbeda ditolak (keluar 2).

Contoh:
  $ jfleet release add ./dist/kiosk --version 1.4.0
  $ jfleet release add kiosk-1.4.0.tar.gz --version 1.4.0 --json`,
      },
      list: {
        description: 'daftar rilis yang tersimpan',
        helpAfter: `
Contoh:
  $ jfleet release list
  $ jfleet release list --json`,
      },
    },
    rollout: {
      opt: {
        gateTimeout: 'berapa lama tiap perangkat boleh mengambil waktu untuk lolos gerbang kesehatan',
        junit: 'tulis laporan JUnit XML (satu kasus uji per perangkat)',
        maxFail: 'hentikan bila kegagalan melewati angka ini (jumlah, atau % dari perangkat yang terjangkau)',
        waves: 'target gelombang kumulatif: jumlah perangkat dan persentase',
        release: 'rilis yang akan di-rollout (lihat jfleet release list)',
      },
      description: 'rollout rilis dalam gelombang, perangkat kenari dulu, dengan gerbang kesehatan, pengembalian otomatis, dan batas kegagalan',
      resume: {
        opt: {
          junit: 'tulis laporan JUnit XML (satu kasus uji per perangkat)',
        },
        description: 'lanjutkan rollout terakhir dari titik berhentinya (setelah job CI terbunuh), mencoba ulang perangkat yang tertunda',
        helpAfter: `{{exitCodes}}

Contoh:
  $ jfleet rollout resume
  $ jfleet rollout resume --json --junit rollout.xml`,
      },
      status: {
        opt: {
          id: 'rollout tertentu',
        },
        description: 'tampilkan rollout terakhir (atau --id N): status, gelombang, perangkat',
        helpAfter: `
Kode keluar 0 selama status dapat dibaca (2 bila belum ada rollout).

Contoh:
  $ jfleet rollout status
  $ jfleet rollout status --json | jq '.counts'`,
      },
      abort: {
        description: 'hentikan rollout terakhir: proses yang berjalan berhenti setelah perangkat yang sedang dikerjakan; tidak ada lagi yang diperbarui',
        helpAfter: `
Contoh:
  $ jfleet rollout abort`,
      },
      exitCodes: `
Kode keluar:
  0    selesai: setiap perangkat diperbarui dan sehat
  1    selesai, tetapi beberapa perangkat gagal di gerbangnya dan dikembalikan (di bawah --max-fail)
  2    salah pakai (opsi keliru, rilis tak dikenal, inventaris rusak, berkas --junit yang tidak boleh
       atau tidak bisa ditulis: diperiksa sebelum perangkat mana pun disentuh)
  4    dihentikan: kegagalan melewati --max-fail (perangkat yang gagal dikembalikan, gelombang berikutnya tidak disentuh)
  5    selesai dengan perangkat tertunda (tak terjangkau); jalankan lagi atau \`jfleet rollout resume\` nanti
  75   rollout lain sedang memegang kunci
  130  terputus (SIGINT/SIGTERM); \`jfleet rollout resume\` melanjutkannya`,
      helpAfter: `
Tidak pernah bertanya. Dengan --json, kemajuan dicetak sebagai baris JSON di stdout (rollout-start, wave-start, device,
wave-end, abort, rollout-end). Perangkat yang gagal di gerbangnya dikembalikan ke rilis sebelumnya
lalu diperiksa lagi. Perangkat yang tak terjangkau tertunda, bukan gagal: ia dilanjutkan oleh
\`jfleet rollout resume\` atau dengan menjalankan rollout yang sama lagi.
{{exitCodes}}

Contoh:
  $ jfleet rollout --release 1.4.0 --waves 1,10%,50%,100% --max-fail 5% --junit rollout.xml --json
  $ jfleet rollout --release 1.4.0 --limit 'Rambipuji,Balung' --max-fail 2
  $ jfleet rollout status --json
  $ jfleet rollout resume --json
  $ jfleet rollout abort`,
    },
    schedule: {
      description: 'jalankan sweep dan laporan menurut jadwal (daemon), atau pasang timer untuk sweep sekali jalan',
      run: {
        opt: {
          report: 'jadwal laporan (bawaan: config "schedule.report"; none = tanpa laporan)',
          sweep: 'jadwal sweep (bawaan: config "schedule.sweep", atau "*/15 * * * *")',
          jitter: 'jeda acak sebelum tiap jalan',
          stopTimeout: 'saat SIGTERM/SIGINT, berapa lama sweep yang berjalan boleh menyelesaikan diri',
        },
        description: 'daemon yang terus berjalan: sweep dan laporan menurut ekspresi cron, koneksi tetap hangat',
        helpAfter: `
Ekspresi cron punya lima kolom (menit jam tanggal bulan hari) atau enam dengan detik di depan.
Jalannya tidak pernah tumpang-tindih (tik yang mendapati jalan sebelumnya masih berlangsung dilewati
dan dicatat); sweep yang dijalankan manual pada saat itu memegang kunci sweep dan daemon melewati tik
itu. Satu kumpulan koneksi SSH tetap terbuka di antara sweep (keepalive; yang putus dibuka lagi).
SIGTERM atau Ctrl-C: tidak ada jalan baru; sweep yang berjalan mendapat --stop-timeout detik; lalu
semua koneksi ditutup.

Contoh:
  $ jfleet config set schedule.sweep "*/10 * * * *"
  $ jfleet schedule run
  $ jfleet schedule run --sweep "*/30 * * * * *" --report "0 * * * *" --jitter 20`,
      },
      install: {
        opt: {
          user: 'pengguna yang menjalankan sweep',
          crontab: 'berkas crontab yang ditulis (bawaan /etc/cron.d/jfleet; berarti --kind cron)',
          dir: 'tempat unit systemd ditulis (bawaan /etc/systemd/system; berarti --kind systemd)',
          onCalendar: 'OnCalendar systemd, untuk jadwal yang sulit ditulis dengan cron',
          cron: 'kapan sweep dijalankan (bawaan: config "schedule.sweep", atau "*/15 * * * *")',
          kind: 'yang ditulis (bawaan: systemd bila ada, selain itu cron)',
          jitter: 'RandomizedDelaySec systemd',
        },
        description: 'tulis service + timer systemd (atau entri cron) yang menjalankan jfleet sweep',
        helpAfter: `
Hanya menulis berkas (memasang dua kali menghasilkan berkas yang sama); ia mencetak perintah untuk
mengaktifkannya. Sweep berjalan dengan --wait, jadi sweep yang lambat menunda yang berikutnya,
bukan tumpang-tindih.

Contoh:
  $ jfleet schedule install                          # systemd: jfleet-sweep.service + .timer
  $ jfleet schedule install --kind cron --cron "*/10 * * * *"
  $ jfleet schedule install --kind daemon            # jfleet-schedule.service: sesi tetap terbuka (kios lewat terowongan)
  $ jfleet schedule install --dir ./units --limit Kencong`,
      },
    },
    villages: {
      arg: {
        query: 'nama desa (huruf besar/kecil dan salah ketik ditoleransi), nama kecamatan, atau kode / awalan kode',
      },
      description: 'cari desa dan kecamatan di Jember (kode Kemendagri, koordinat)',
      helpAfter: `
Tanpa QUERY, menampilkan 31 kecamatan. Nama atau kode kecamatan menampilkan desa-desanya.

Contoh:
  $ jfleet villages                    # daftar kecamatan, dengan kodenya
  $ jfleet villages rambipuji          # kecamatan Rambipuji dan desa-desanya
  $ jfleet villages "kasiyan timr"     # pencarian desa yang tahan salah ketik
  $ jfleet villages 35.09.13.2006      # satu desa menurut kode
  $ jfleet villages 35.09.13 --json    # untuk mesin: kode, nama, jenis, kecamatan, koordinat`,
    },
  },
  shared: {
    wholeNumber: '{{flag}} menerima bilangan bulat minimal 1, bukan "{{value}}"',
    atMost: '{{flag}} menerima paling banyak {{max, number}}, bukan "{{value}}"',
    seconds: '{{flag}} menerima jumlah detik, bukan "{{value}}"',
    secondsMax: '{{flag}} menerima paling lama 86400 detik (24 jam), bukan "{{value}}"',
  },
  config: {
    notSetValue: '(belum diisi)',
    fromEnv: '(dari {{env}})',
    file: 'berkas: {{file}}',
    notSet: '{{key}} belum diisi',
    envOverrides: 'catatan: {{env}} terisi dan menimpa nilai ini di shell ini',
    unset: '{{key}} dihapus',
    about: {
      lang: 'bahasa pesan: en atau id (bawaan: dari LC_ALL / LC_MESSAGES / LANG; JFLEET_LANG menimpanya)',
      timeZone: 'zona waktu untuk waktu di keluaran untuk manusia (bawaan Asia/Jakarta, ditampilkan sebagai WIB); --json tetap UTC',
      inventory: 'direktori inventaris bawaan (ditimpa oleh --inventory)',
      forks: 'jumlah perangkat yang dikerjakan sekaligus (bawaan 50)',
      keyFile: 'kunci privat SSH untuk menjangkau paket',
      sshKex: 'algoritme pertukaran kunci SSH, urut dari yang paling diutamakan (bawaan: urutan OpenSSH, curve25519-sha256 dulu; grup SHA-1 ditolak)',
      sshCompression:
        'kompresi sesi SSH ke paket (bawaan zlib: zlib@openssh.com tertunda milik OpenSSH, yang memperkecil keluaran probe yang berulang di sesi yang tetap terbuka); sambungan ke host lompatan membawa sesi yang sudah terenkripsi dan tidak pernah dikompresi',
      api: {
        url: 'URL dasar API pusat untuk pelaporan',
        token: 'token API pusat untuk pelaporan',
        caFile: 'berkas sertifikat CA untuk API pusat (PEM)',
      },
      schedule: {
        sweep: 'ekspresi cron untuk sweep kesehatan',
        report: 'ekspresi cron untuk mengirim laporan',
      },
    },
  },
  villages: {
    summary:
      '{{districts}} kecamatan, {{villages}} desa/kelurahan. Data: kode Kemendagri melalui cahyadsn/wilayah (MIT); lihat inventories/reference/README.md',
    district: 'Kecamatan {{name}} ({{code}}): {{count}} desa/kelurahan',
    noMatch: 'tidak ada desa yang cocok dengan "{{query}}"',
    column: {
      code: 'KODE',
      district: 'KECAMATAN',
      villages: 'DESA',
      village: 'DESA',
      kind: 'JENIS',
      lat: 'LINTANG',
      lon: 'BUJUR',
    },
  },
  inventory: {
    checkListsAll: 'jfleet inventory check menampilkan semua masalahnya',
    none: 'belum ada paket terdaftar ({{file}}); tambahkan dengan jfleet register',
    column: {
      id: 'ID',
      village: 'DESA',
      district: 'KECAMATAN',
      address: 'ALAMAT',
      tags: 'TAG',
      hostKey: 'KUNCI HOST',
    },
    pinned: 'disematkan',
    count_other: '{{selected}} dari {{count}} paket',
    noPackage: 'tidak ada paket "{{id}}" di {{file}}',
    listShowsIds: 'jfleet inventory list menampilkan id-nya',
    noInventory: 'tidak ada inventaris di {{file}}',
    noInventoryHint: 'daftarkan paket dengan jfleet register, atau pilih inventaris dengan --inventory DIR',
    severityError: 'kesalahan',
    severityWarning: 'peringatan',
    checkSummary: '{{valid}} paket sah, {{errors}} kesalahan, {{warnings}} peringatan',
    remove: {
      nameThem: 'sebutkan paket yang akan dihapus (id, atau --limit SELECTOR)',
      selectsNone: '--limit "{{limit}}" tidak memilih paket apa pun; tidak ada yang dihapus',
      wouldRemove_other: 'akan menghapus {{count}} paket: {{ids}}',
      toRemove_other: 'yang akan dihapus: {{count}} paket: {{ids}}',
      confirm_other: 'Hapus {{count}} paket dari {{file}}?',
      needsConfirmation: 'menghapus paket memerlukan konfirmasi',
      removed_other: '{{count}} paket dihapus dari {{file}}',
    },
  },
  keys: {
    expectNotFingerprint: '--expect {{value}} bukan sidik jari kunci host SHA256',
    expectNotFingerprintHint:
      'berikan seperti yang dicetak ssh-keygen -lf di perangkat, misalnya --expect SHA256:… dari: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub',
    needsFingerprint: 'menyematkan kunci host {{id}} perlu sidik jarinya diperiksa; tidak ada yang diubah',
    needsFingerprintHint:
      'berikan --expect dengan sidik jari yang dibaca di perangkat (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), atau --yes untuk menyematkan kunci apa pun yang dibuktikannya',
    provesOther: '{{id}} membuktikan kunci host {{proven}}, bukan {{expected}} yang diharapkan; tidak ada yang disematkan',
    provesOtherHint:
      'periksa sidik jari di perangkatnya langsung; kunci yang berbeda berarti perangkat lain atau ada penyadap di tengah jalan (man in the middle)',
    pinnedNow: 'kunci host tersemat {{key}}',
    none: '(belum ada)',
    deviceProves: 'perangkat membuktikan {{key}}',
    confirmPin: 'Sematkan {{key}} sebagai kunci host {{id}}?',
    pinNeedsConfirmation: 'menyematkan kunci host memerlukan konfirmasi',
    pinChangedMeanwhile: 'kunci tersemat {{id}} berubah menjadi {{key}} sementara itu; tidak ada yang disematkan (jalankan hostkey accept lagi)',
    alreadyPinned: 'kunci host {{key}} sudah tersemat; tidak ada yang berubah',
    pinnedWas: 'kunci host disematkan {{key}} (sebelumnya {{old}})',
    pinnedFirst: 'kunci host disematkan {{key}} (sebelumnya belum ada)',
    exists: 'kunci armada sudah ada: {{file}}',
    existsHint: 'perangkat mempercayainya; menggantinya membuat jfleet tidak bisa masuk lagi. Pakai --force hanya jika memang itu maksud Anda',
    written: 'kunci armada ditulis: {{file}} (mode 0600)',
    noKey: 'tidak ada kunci armada di {{file}}',
    noKeyHint: 'buat dengan: jfleet keys init',
  },
  device: {
    inventoryHasErrors: 'inventaris di {{dir}} mengandung kesalahan',
    runInventoryCheck: 'jalankan: jfleet inventory check',
    listThem: 'lihat daftarnya dengan: jfleet inventory list',
  },
  exec: {
    noCommand: 'tidak ada perintah',
    noCommandHint: 'tulis perintahnya setelah --, misalnya jfleet exec -- uptime',
    noMatch: 'tidak ada paket yang cocok',
    noMatchLimit: 'tidak ada paket yang cocok dengan --limit {{limit}}',
    stoppedByCtrlC: 'dihentikan dengan Ctrl-C sebelum selesai',
    outcome: {
      ok: 'ok',
      failed: 'gagal',
      unreachable: 'tak terjangkau',
      auth: 'autentikasi gagal',
      hostkey: 'kunci host',
      timeout: 'melewati batas waktu',
      protocol: 'kesalahan protokol',
      error: 'kesalahan',
      cancelled: 'dibatalkan',
    },
    recap: {
      head_other: 'rekap: {{count}} perangkat: {{parts}}',
      killedBy: 'dihentikan oleh {{signal}}',
      exit: 'kode keluar {{code}}',
      progress: '[{{done}}/{{total}}] {{ok}} ok',
      progressFailing: '[{{done}}/{{total}}] {{ok}} ok, {{failures}} tidak ok',
    },
  },
  provision: {
    progress: {
      failed: 'gagal',
      toChange_other: '{{count}} akan diubah',
      changed_other: '{{count}} diubah',
    },
    stage: {
      plan: 'rencana',
      apply: 'terapkan',
      check: 'periksa',
    },
    refuse: 'menolak menyiapkan tanpa konfirmasi: tidak ada terminal untuk bertanya',
    refuseJson: 'menolak menyiapkan tanpa konfirmasi: tidak ada terminal untuk bertanya (--json)',
    refuseHint: 'tambahkan --yes untuk menerapkan, atau --check untuk melihat apa yang akan berubah saja',
    logs: 'log: {{dir}}',
    checkHead_other: 'Uji coba: resep {{recipe}}, {{count}} perangkat',
    planHead_other: 'Rencana: resep {{recipe}}, {{count}} perangkat',
    changes_other: '{{count}} perubahan',
    confirm_other: 'Terapkan {{changes}} pada {{count}} perangkat?',
    changesDevices: 'penyiapan mengubah perangkat',
    applyHead_other: 'Terapkan: {{count}} perangkat',
    render: {
      none: '(belum ada)',
      ok: 'ok',
      changed: 'diubah',
      failed: 'gagal',
      skipped: 'dilewati',
      wouldChange: 'akan diubah',
      unreachable: 'tak terjangkau',
      nothingToChange_other: '{{count}} langkah, tidak ada yang perlu diubah',
      recap: 'REKAP',
      recapCheck: 'REKAP (uji coba: tidak ada yang diubah)',
      total: 'TOTAL',
      totalDevices_other: '({{count}} perangkat, {{failed}} gagal atau tak terjangkau)',
    },
  },
  lab: {
    needsRoot: 'jfleet lab {{what}} memerlukan root (ia memasang overlay dan menjalankan sshd di namespace)',
    needsRootHint: 'jalankan: sudo jfleet lab {{what}}',
    installingSshd: '/usr/sbin/sshd tidak ada; memasang openssh-server (apt-get)',
    installFailed: 'openssh-server tidak dapat dipasang: {{reason}}',
    installFailedHint: 'pasang sendiri: apt-get install -y openssh-server',
    up: 'lab {{id}} menyala: {{count}} perangkat ({{first}} … {{last}}) di {{districts}} kecamatan',
    inventory: 'inventaris: {{file}}',
    passwordOnly: 'perangkat yang hanya memakai kata sandi: {{ids}} (kata sandi root: {{password}})',
    useIt: `cara memakainya:
  export JFLEET_INVENTORY={{inventory}}
  export JFLEET_KEY_FILE={{keyFile}}
  jfleet exec -- hostname`,
    stopIt: 'matikan dengan: jfleet lab down',
    noLab: 'tidak ada lab {{id}}',
    seeStatus: 'lihat: jfleet lab status',
    stopped: '{{ids}} dimatikan',
    noneToStop: 'tidak ada lab yang perlu dimatikan',
    ownerLabUp: 'lab up',
    ownerPid: 'pid {{pid}}',
    noneRunning: 'tidak ada lab yang berjalan (nyalakan dengan: sudo jfleet lab up --devices 20)',
    statusLine: '{{up}}/{{count}} perangkat menjawab  dinyalakan oleh {{owner}}',
    stale: '(basi: pemiliknya sudah tidak ada)',
  },
  central: {
    needsToken: 'server pusat memerlukan token yang wajib dikirim para runner',
    needsTokenHint: 'isi JFLEET_CENTRAL_TOKEN (atau berikan --token)',
    tlsPair: '--tls-cert dan --tls-key harus dipakai bersama',
    badHost: '--host "{{host}}" bukan alamat IP atau nama host',
    readTokenEmpty: '--read-token kosong: berikan token yang wajib dikirim pembaca, atau jangan pakai opsi itu',
    tlsMissing: 'tidak dapat membaca {{flag}} {{file}}: berkas tidak ada',
    tlsNotCert: '{{file}} (--tls-cert) bukan sertifikat PEM ({{detail}})',
    tlsNotKey: '{{file}} (--tls-key) bukan kunci privat PEM ({{detail}})',
    tlsMismatch: 'kunci {{key}} bukan pasangan sertifikat {{cert}}',
    tlsHint: 'berkas PEM diawali -----BEGIN CERTIFICATE----- atau -----BEGIN PRIVATE KEY-----',
    tlsReason: {
      noStartLine: 'tidak ada baris "-----BEGIN"',
      badEndLine: 'baris "-----END" tidak ada atau rusak',
      badBase64: 'teks di antara BEGIN dan END bukan base64',
      unsupported: 'bukan kunci yang dapat dibaca OpenSSL',
      damaged: 'data di antara BEGIN dan END rusak atau terpotong',
    },
    tlsHolds: 'isinya {{label}}',
    tlsKeyEncrypted: '{{file}} (--tls-key) dilindungi frasa sandi, yang tidak dapat diketik oleh server',
    tlsKeyEncryptedHint: "tulis salinan tanpa sandi yang hanya dapat dibaca pengguna server: (umask 077; openssl pkey -in '{{file}}' -out server.key)",
    portInUse: 'port {{port}} di {{host}} sudah dipakai',
    portInUseHint: 'pilih port lain dengan --port',
    notAllowed: 'tidak diizinkan mendengarkan di {{address}}',
    serving: 'jfleet central: melayani {{url}} (basis data {{db}})',
    dashboard: 'dasbor: {{url}}',
    reports: 'laporan:   POST {{url}} (token bearer)',
    reads: 'baca:      {{how}}',
    readsToken: 'perlu token baca',
    readsOpen: 'terbuka (tanpa token baca)',
    stopWith: 'hentikan dengan Ctrl-C',
    stopped: 'jfleet central: berhenti',
  },
  bastion: {
    portsInvalid: '--ports menerima port 1-65535 yang dipisah ",", bukan "{{list}}"',
    socketDirInvalid: '--socket-dir harus path absolut dari huruf, angka, _ . / -, bukan "{{dir}}"',
    cannotRead: '{{flag}}: tidak bisa membaca {{file}}: {{reason}}',
    maxStartupsInvalid: '--max-startups menerima start:rate:full seperti 300:30:600, bukan "{{value}}"',
    operatorInvalid: '--operator harus nama pengguna POSIX, bukan "{{value}}"',
    operatorKeyNeedsOperator: '--operator-key butuh --operator (pengguna yang dipakainya untuk masuk)',
    wrote: 'menulis {{file}}',
    applied: 'tata letak host lompatan diterapkan di bawah {{root}}; sekarang: sshd -t && systemctl reload ssh',
    addNeedsKey: 'bastion add butuh kunci publik terowongan kios: --key "ssh-ed25519 …" atau --key-file BERKAS',
    added: '{{id}}: pengguna {{user}} boleh menahan terowongannya di {{socketDir}}/ssh.sock',
    noAccount: '{{id}} tidak punya akun di host lompatan ini (pengguna {{user}}); tidak ada yang diubah',
    revoked: '{{id}}: dicabut (pengguna {{user}} dikunci, kunci dihapus, {{killed}} proses sesi diakhiri, soket dihapus)',
  },
  tunnel: {
    heading: 'terowongan (reach: tunnel; sambungannya, terpisah dari penilaian di atas):',
    up: 'terowongan tersambung lewat {{bastion}}, tersambung sejak {{since}}, terakhir terlihat {{seen}}',
    down: 'terowongan PUTUS lewat {{bastion}}, terakhir terlihat {{seen}}',
    unknown: 'terowongan tak diketahui lewat {{bastion}} ({{error}}), terakhir terlihat {{seen}}',
    viaPort: '{{bastion}} port {{port}}',
    bastionNotReached: 'host lompatan tidak terjangkau',
    never: 'belum pernah',
    secondsAgo: '{{n}} dtk lalu',
    minutesAgo: '{{n}} mnt lalu',
    hoursAgo: '{{n}} jam lalu',
    daysAgo: '{{n}} hari lalu',
  },
  errors: {
    mustBeWholeNumber: 'harus bilangan bulat',
    isRequired: 'wajib diisi',
    csvParser: {
      csv: 'CSV: {{message}}',
      quoteNotClosed:
        'tanda petik (") dibuka dan tidak pernah ditutup; nilai yang berisi tanda petik ditulis di antara tanda petik, petiknya digandakan: "Bu ""Sari"""',
      openingQuote:
        'tanda petik (") di dalam kolom {{column}}, yang nilainya tidak diawali tanda petik; apit seluruh nilai dengan tanda petik dan gandakan petiknya: "a ""b"""',
      closingQuote: 'ada teks tepat sesudah tanda petik penutup ("); nilai berpetik berakhir di petiknya, lalu koma atau akhir baris',
    },
    words: {
      directory: 'sebuah direktori',
      fifo: 'sebuah FIFO',
      socket: 'sebuah soket',
      device: 'sebuah perangkat',
      notADatabase: 'bukan basis data',
      corrupt: 'rusak',
      environment: 'variabel lingkungan',
      column: 'kolom {{n}}',
      forExample: 'mis. --waves {{waves}}',
    },
    mustBeMapping: 'harus berupa pemetaan',
    mustBeText: 'harus berupa teks',
    mustBeTextNotNumber: 'harus berupa teks (terbaca sebagai angka: apit dengan tanda petik)',
    mustBeNumber: 'harus berupa angka',
    mustBeTrueOrFalse: 'harus true atau false',
    unknownField: 'kolom tidak dikenal',
    unknownFields: 'kolom tidak dikenal: {{keys}}',
    mustNotBeEmpty: 'tidak boleh kosong',
    noControlChars: 'tidak boleh berisi karakter kontrol',
    hostAddress: 'harus alamat IP atau nama host RFC 1123',
    port: 'harus 1-65535',
    macAddress: 'harus alamat MAC seperti 00:11:22:33:44:55',
    posixUser: 'harus nama pengguna POSIX',
    modelChars: 'hanya boleh huruf, angka, spasi, dan . , _ ( ) + / : -',
    noDotDot: 'tidak boleh berisi ".."',
    serialChars: 'hanya boleh huruf, angka, ".", "_" atau "-"',
    personName: "harus berupa nama (huruf, spasi, . , ' -)",
    phone: 'harus nomor telepon',
    jumpHost: 'harus id paket atau [user@]host[:port]',
    packageId: 'hanya boleh huruf kecil, angka, dan "-" (maks. 63)',
    villageCodeFormat: 'harus kode desa Kemendagri seperti 35.09.13.2006',
    tagChars: 'hanya boleh huruf kecil, angka, "_", ".", "=" atau "-"',
    tagCharsValue: 'hanya boleh huruf kecil, angka, "_", ".", "=" atau "-" ("{{tag}}")',
    fingerprint: 'harus sidik jari SHA256 OpenSSH',
    pathChars: 'harus path berisi huruf, angka, _ . / ~ -',
    notVillageCode: '"{{code}}" bukan kode desa Kemendagri seperti 35.09.13.2006',
    unknownVillageCode: 'kode desa {{code}} tidak dikenal (cari kodenya dengan: jfleet villages NAMA)',
    unknownVillageCodeSee: 'kode desa {{code}} tidak dikenal (lihat: jfleet villages)',
    ambiguousVillage: 'nama desa "{{name}}" tidak tunggal: {{candidates}}; pakai kodenya',
    unknownVillageDidYouMean: 'desa "{{name}}" tidak dikenal (maksud Anda {{suggestions}}?)',
    unknownVillage: 'desa "{{name}}" tidak dikenal (lihat: jfleet villages)',
    duplicateOfLine: 'duplikat dari baris {{line}}',
    duplicateOfEarlier: 'duplikat dari entri sebelumnya',
    registeredDifferently:
      'paket {{id}} sudah terdaftar dengan {{fields}} yang berbeda; hapus dulu (jfleet inventory remove {{id2}}) atau sunting packages.yaml',
    duplicateUsedBy: '{{field}} {{value}} duplikat (sudah dipakai oleh {{who}})',
    packageRef: 'paket {{id}}',
    lineRef: 'baris {{line}}',
    earlierEntry: 'entri sebelumnya',
    csvTooManyRows: 'lebih dari {{max, number}} baris: pecah berkasnya (tidak ada yang diimpor)',
    csvEmpty: 'berkas kosong: seharusnya ada baris judul seperti id,village,address,port,user,serial,mac,model,tags',
    csvUnknownColumn: 'kolom "{{column}}" tidak dikenal (yang dikenal: {{known}})',
    csvColumnTwice: 'kolom muncul dua kali',
    csvRequiredColumn: 'kolom wajib tidak ada di baris judul',
    csvFieldCount: 'seharusnya {{expected}} kolom ({{header}}), ditemukan {{found}}',
    yamlNotMapping: 'seharusnya mapping dengan daftar "packages"',
    mustBeList: 'harus berupa daftar',
    duplicateAlsoAt: '{{what}} duplikat (juga di baris {{line}})',
    mustBeEnOrId: 'harus en atau id',
    mustBeZlibOrNone: 'harus zlib atau none',
    timeZone: 'harus zona waktu IANA, misalnya Asia/Jakarta',
    wholeNumberMin1: 'minimal 1',
    max1000: 'maksimal 1000',
    httpUrl: 'harus URL http(s)',
    printableAscii: 'harus ASCII tercetak tanpa spasi',
    cron: 'harus ekspresi cron dengan 5 atau 6 kolom, misalnya "*/15 * * * *"',
    cannotReadConfig: '{{file}}: config tidak dapat dibaca: {{reason}}',
    check: {
      noData: '{{what}}: tidak ada data',
      upUnexpected: 'menyala {{duration}} (dinyalakan ulang tanpa terduga pukul {{at}}, di luar jendela reboot malam {{window}})',
      up: 'menyala {{duration}}',
      load: 'beban {{load, number}} pada {{cpus}} CPU ({{per, number}} per CPU)',
      memory: 'memori tersedia {{pct, number}}% ({{mib, number}} MiB)',
      diskInodes: 'disk / kosong {{pct, number}}% ({{mib, number}} MiB), inode kosong {{ipct, number}}%',
      disk: 'disk / kosong {{pct, number}}% ({{mib, number}} MiB)',
      noSensor: 'suhu: tidak ada sensor',
      temperature: 'CPU {{c, number}} °C',
      standIn: 'browser pengganti (perangkat lab): tidak ada browser sungguhan di sini',
      standInDead: 'browser pengganti (perangkat lab) tidak berjalan',
      browserAnswersRestarts: 'browser kios menjawab (jfleet-kiosk.service {{state}}, dimulai ulang {{n}} kali)',
      browserAnswersUnit: 'browser kios menjawab (jfleet-kiosk.service {{state}})',
      browserAnswers: 'browser kios menjawab',
      browserSilentRestarts: 'browser kios tidak menjawab (DevTools di 127.0.0.1:9222) (jfleet-kiosk.service {{state}}, dimulai ulang {{n}} kali)',
      browserSilentUnit: 'browser kios tidak menjawab (DevTools di 127.0.0.1:9222) (jfleet-kiosk.service {{state}})',
      browserSilent: 'browser kios tidak menjawab (DevTools di 127.0.0.1:9222)',
      unitLab: 'unit kios: tidak diperiksa (perangkat lab, tanpa systemd)',
      unitRestartsWatchdog: 'jfleet-kiosk.service {{state}}, dimulai ulang {{n}} kali, {{w}} oleh watchdog',
      unitRestarts: 'jfleet-kiosk.service {{state}}, dimulai ulang {{n}} kali',
      unitWatchdog: 'jfleet-kiosk.service {{state}}, {{w}} kali dimulai ulang oleh watchdog',
      browserRestarts: 'browser dimulai ulang {{n}} kali dalam sesinya',
      screenLab: 'halaman: tidak diperiksa (pengganti lab, tanpa browser sungguhan)',
      portalTitle: 'portal tampil "{{title}}"',
      portal: 'portal tampil',
      offlineTitle: 'halaman offline tampil "{{title}}" (kios tidak dapat menjangkau portalnya)',
      offline: 'halaman offline tampil (kios tidak dapat menjangkau portalnya)',
      errorPage: 'halaman kesalahan browser tampil ({{url}})',
      otherPageTitle: 'halaman tak terduga tampil "{{title}}" ({{url}})',
      otherPage: 'halaman tak terduga tampil ({{url}})',
      cameraLab: 'kamera: tidak diperiksa (perangkat lab)',
      noCamera: 'tidak ada kamera (tidak ada perangkat /dev/video*)',
      camera: 'kamera terpasang ({{n}} perangkat video)',
      whatKioskBrowser: 'browser kios',
      whatKioskUnit: 'unit kios',
      whatPageShown: 'halaman yang tampil',
      whatCamera: 'kamera',
      pageNoAnswer: 'halaman kios tidak menjawab',
      pageHttp: 'halaman kios menjawab HTTP {{code}}',
      pageSlow: 'halaman kios lambat ({{seconds, number}} dtk)',
      pageOk: 'halaman kios menjawab 200',
      whatKioskPage: 'halaman kios',
      displayNotChecked: 'layar tidak diperiksa',
      noDisplaySubsystem: 'subsistem layar tidak ditemukan',
      headless: 'tanpa layar (tidak ada subsistem layar)',
      noConnector: 'konektor layar tidak ditemukan',
      noDisplay: 'tidak ada layar tersambung (periksa kabel dan layarnya)',
      displaysBlanked: '{{count}} layar tersambung tetapi padam (DPMS Off)',
      displaysOn: '{{count}} layar tersambung, layar menyala',
      displays: '{{count}} layar tersambung',
      clockSynced: 'jam tersinkron',
      clockNotSynced: 'jam tidak tersinkron',
      clockOffsetNotSynced: 'selisih jam {{seconds, number}} dtk, tidak tersinkron',
      clockOffset: 'selisih jam {{seconds, number}} dtk',
      release: 'rilis kios {{release}}',
      noRelease: 'belum ada rilis kios terpasang (/opt/jfleet-kiosk/current/manifest.json)',
      dnsOk: 'DNS berfungsi',
      dnsFailed: 'pencarian DNS gagal',
      notChecked: '{{what}}: tidak diperiksa',
      httpUnreachable: '{{what}} tak terjangkau',
      httpAnswers: '{{what}} menjawab HTTP {{code}}',
      reachableTime: '{{what}} terjangkau (HTTP {{code}}, {{seconds, number}} dtk)',
      reachable: '{{what}} terjangkau (HTTP {{code}})',
      notMeasured: '{{what}}: tidak diukur',
      noPingAnswer: '{{what}} tidak menjawab (100% hilang)',
      rtt: '{{what}} rtt {{ms, number}} ms, paket hilang {{loss, number}}%',
      unreachableWhy: 'tak terjangkau ({{why}})',
      probeFailed: 'probe gagal ({{why}})',
      noAnswer: 'tidak ada jawaban',
      sshHandshake: 'ssh menjawab (jabat tangan {{ms, number}} ms)',
      ssh: 'ssh menjawab',
      allOk: 'semua pemeriksaan ok',
    },
    schedule: {
      invalidCron: '{{what}} bukan ekspresi cron yang sah: "{{expr}}"',
      invalidCronHint: 'lima kolom (menit jam tanggal bulan hari), atau enam dengan detik di depan, misalnya "*/15 * * * *"',
    },
    kind: {
      unreachable: 'tak terjangkau: {{message}}',
      auth: 'autentikasi: {{message}}',
      hostkey: 'kunci host: {{message}}',
      timeout: 'batas waktu: {{message}}',
      protocol: 'protokol: {{message}}',
      script: 'skrip: {{message}}',
    },
    connect: {
      badSignature:
        '{{target}} menawarkan {{key}} tetapi tidak membuktikan bahwa ia memegangnya (tanda tangan pertukaran kunci salah: ada penyadap di tengah jalan?); tidak ada yang disematkan',
      authFailed: 'autentikasi gagal di {{target}} (tidak ada kunci atau kata sandi yang diterima)',
      hung: '{{target}} menerima TCP tetapi tidak menuntaskan jabat tangan SSH dalam {{ms, number}} ms (perangkat macet?)',
      timedOut: '{{target}} tak terjangkau: sambungan melewati batas waktu setelah {{ms, number}} ms',
      noResolve: '{{target}} tak terjangkau: nama host tidak dapat ditemukan ({{code}})',
      refused: '{{target}} tak terjangkau: sambungan ditolak (sshd tidak berjalan atau perangkat mati)',
      unreachable: '{{target}} tak terjangkau: {{reason}}',
      protocol: '{{target}}: kesalahan protokol SSH: {{reason}}',
    },
    label: {
      sweepSchedule: 'jadwal sweep',
      reportSchedule: 'jadwal laporan',
      theInventory: 'inventaris',
      unitValue: 'nilai di unit systemd',
      crontabValue: 'nilai di crontab',
      centralApi: 'API pusat',
      timeSync: 'sinkronisasi jam',
      uptime: 'waktu menyala',
    },
    duration: {
      daysHours: '{{days}} hari {{hours}} jam',
      hoursMinutes: '{{hours}} jam {{minutes}} mnt',
      minutes: '{{minutes}} mnt',
      seconds: '{{seconds}} dtk',
      window: '{{start}}+{{minutes}} mnt',
    },
    transport: {
      hostKeyNamed: 'kunci host {{fingerprint}}',
      aHostKey: 'sebuah kunci host',
      noCredentials: 'tidak ada kunci, agen, atau kata sandi untuk masuk ke {{target}}',
      notConnected: 'belum tersambung ke {{target}} (panggil connect() dulu)',
      connectionLost: 'sambungan ke {{target}} putus: {{reason}}',
      lostDuringCommand: 'sambungan ke {{target}} putus selama perintah berjalan: {{reason}}',
      lostStartingShell: 'sambungan ke {{target}} putus saat memulai shell: {{reason}}',
      lostDuringSftp: 'sambungan ke {{target}} putus selama SFTP: {{reason}}',
      commandCancelled: 'perintah di {{target}} dibatalkan',
      commandTimedOut: 'perintah melewati batas waktu setelah {{ms, number}} ms di {{target}}',
      cannotStartCommand: 'perintah tidak dapat dimulai di {{target}}: {{reason}}',
      shellCancelled: 'memulai shell di {{target}} dibatalkan',
      shellTimedOut: 'memulai shell melewati batas waktu setelah {{ms, number}} ms di {{target}}',
      cannotStartShell: 'shell tidak dapat dimulai di {{target}}: {{reason}}',
      cannotOpenShell: 'shell tidak dapat dibuka di {{target}}: {{reason}}',
      shellEndedDuringCommand: 'shell di {{target}} berakhir selama perintah berjalan',
      shellEnded: 'shell di {{target}} sudah berakhir',
      cannotOpenSftp: 'SFTP tidak dapat dibuka di {{target}}: {{reason}}',
      sftpFailed: 'SFTP di {{target}}: {{reason}}',
      sftpCannotWrite: '{{path}} tidak dapat ditulis: {{reason}}',
      sftpCannotChmod: 'mode {{path}} tidak dapat diubah (chmod): {{reason}}',
      sftpCannotRead: '{{path}} tidak dapat dibaca: {{reason}}',
      sftpCannotStat: '{{path}} tidak dapat diperiksa (stat): {{reason}}',
      jumpCannotReach: 'host lompatan {{jump}} tidak dapat menjangkau {{target}}: {{reason}}',
      jumpChainTooLong: 'rantai host lompatan terlalu panjang di {{jump}}',
      ownJumpHost: '{{id}} tidak bisa menjadi host lompatannya sendiri',
      cannotPinInto: 'kunci host {{target}} ({{fingerprint}}) tidak dapat disematkan ke {{where}}: {{reason}}',
      cannotPin: 'kunci host {{target}} ({{fingerprint}}) tidak dapat disematkan: {{reason}}',
      pinsUnreadable: 'kunci host yang disematkan di {{file}} tidak dapat dibaca (bukan objek JSON); tidak menyambung ke {{target}}',
      connectionClosed: 'sambungan ditutup',
      notConnectedLib: 'tidak tersambung',
      noResponse: 'server tidak menjawab',
      channelOpenFailure: '(SSH) kanal gagal dibuka: {{reason}}',
      openFailed: 'pembukaan gagal',
      connectionRefused: 'sambungan ditolak',
    },
    report: {
      noApi: 'API pusat belum diatur',
      noToken: 'token API pusat belum diatur',
    },
    config: {
      unknownConfigKey: 'kunci config "{{key}}" tidak dikenal',
      knownKeys: 'kunci yang dikenal: {{value}}',
      invalidValue: 'nilai tidak sah',
    },
    mapFile: {
      mapWritesSvgPngOr: '--map menulis berkas .svg, .png, atau .html, bukan "{{value}}"',
      cannotStartChromiumForThe: 'Chromium tidak dapat dijalankan untuk PNG ({{value}})',
      installChromiumScriptsInstallSystem: 'pasang chromium (scripts/install-system-deps.sh), isi JFLEET_CHROMIUM, atau tulis .svg/.html saja',
    },
    probe: {
      noJsonInTheProbe: 'tidak ada JSON dalam keluaran probe ({{JSON}})',
      probeOutputIsNotValid: 'keluaran probe bukan JSON yang sah: {{message}}',
      probeOutputIsNotA: 'keluaran probe bukan objek JSON',
    },
    settings: {
      mustBeAMapping: 'harus berupa mapping',
      unknownSetting: 'pengaturan tidak dikenal: {{value}}',
      mustBeAListOf: 'harus berupa daftar { limit, thresholds }',
      mustBeASelector: 'harus berupa selector',
      unknownProbeSettingKnown: 'pengaturan probe tidak dikenal (yang dikenal: {{value}})',
      mustBeAWholeNumber: 'harus bilangan bulat dari {{min}} sampai {{max}}',
      mustLookLike0700: 'harus berbentuk seperti +07:00',
      mustBeAListOf2: 'harus berupa daftar jendela',
      mustBeATimeLike: 'harus berupa waktu seperti "02:00"',
      mustBeATimeLike2: 'harus berupa waktu seperti "02:30"',
      mustBeAListOf3: 'harus berupa daftar {{DAYS}}',
    },
    silence: {
      forTakesADurationLike: '--for menerima lama waktu seperti 90m, 36h, 2d, atau 1w, bukan "{{text}}"',
      forMustBeBetween1: '--for harus antara 1 menit dan satu tahun, bukan "{{text}}"',
    },
    sweep: {
      fixHealthYamlInThe: 'perbaiki health.yaml di direktori inventaris (docs/health.md)',
    },
    thresholds: {
      unknownThresholdKnown: 'ambang batas tidak dikenal (yang dikenal: {{value}})',
      mustBeOneOf: 'harus salah satu dari {{allowed}}',
      mustBeANumberOf: 'harus angka minimal 0',
      mustBeAWholeNumber: 'harus bilangan bulat minimal 1',
    },
    inputFile: {
      cannotReadPermissionDenied: '{{file}} tidak dapat dibaca: izin ditolak ({{code}})',
      cannotReadAPathComponent: '{{file}} tidak dapat dibaca: salah satu bagian path bukan direktori (ENOTDIR)',
      cannotReadIsADirectory: '{{file}} tidak dapat dibaca: itu direktori, bukan berkas',
      cannotReadIsNotA: '{{file}} tidak dapat dibaca: itu {{kind}}, bukan berkas biasa',
      isBytesOverTheByte: '{{file}} berukuran {{size, number}} bita, melebihi batas {{max, number}} bita untuk berkas masukan',
      isOverTheByteLimit: '{{file}} melebihi batas {{max, number}} bita untuk berkas masukan',
    },
    lint: {
      addressIsSharedWithDifferent: 'alamat {{host}} dipakai bersama {{id}} (port berbeda); pastikan memang disengaja',
      jumpHostIsNotA: 'host lompatan "{{jump}}" bukan id paket di inventaris ini',
      aPackageCannotBeIts: 'paket tidak bisa menjadi host lompatan bagi dirinya sendiri',
    },
    registration: {
      fixTheRowsAboveOr: 'perbaiki baris-baris di atas (atau berikan --skip-invalid untuk mengimpor yang baik); tidak ada yang ditulis',
      nothingWasWritten: 'tidak ada yang ditulis',
    },
    selector: {
      seeDocsSelectorsMdDistrict: 'lihat docs/selectors.md: kecamatan, 35.09.13, desa, pola id, tag:NAMA, @failed; "," atau, "&" dan, "!" bukan',
      atColumn: '{{message}} di kolom {{column}} dalam "{{selector}}"',
      tooLong: 'selector lebih panjang dari {{max, number}} karakter dalam "{{selector}}"',
      ended: 'seharusnya ada unsur (kecamatan, desa, id, tag:NAMA, @failed), tetapi selector sudah berakhir',
      termBefore: 'seharusnya ada unsur sebelum "{{char}}"',
      charNotAllowed: 'karakter "{{char}}" tidak diizinkan',
      unmatched: '")" tanpa pasangan',
      unclosed: '"(" tanpa penutup',
      globTooLong: 'pola glob lebih panjang dari {{max, number}} karakter',
      unknownAt: 'selector "{{term}}" tidak dikenal (maksud Anda @failed?)',
      tagNeedsName: 'tag: perlu nama tag',
      idNeedsId: 'id: perlu id paket atau pola glob',
      unknownKind: 'jenis selector "{{kind}}:" tidak dikenal (pakai tag:, district:, village:, atau id:)',
      notCodePrefix: '"{{code}}" bukan awalan kode Jember (35.09, 35.09.13, atau 35.09.13.2006)',
      unknownDistrictCode: 'kode kecamatan {{code}} tidak dikenal (lihat: jfleet villages)',
      matchesNothing: '"{{term}}" tidak cocok dengan kecamatan, desa, atau id paket mana pun',
      matchesNothingDidYouMean: '"{{term}}" tidak cocok dengan kecamatan, desa, atau id paket mana pun (maksud Anda {{suggestion}}?)',
      unknownDistrict: 'kecamatan "{{name}}" tidak dikenal',
      unknownDistrictDidYouMean: 'kecamatan "{{name}}" tidak dikenal (maksud Anda {{suggestion}}?)',
      unknownVillage: 'desa "{{name}}" tidak dikenal',
    },
    kex: {
      sha1: 'algoritme pertukaran kunci "{{name}}" memakai SHA-1, yang ditolak jfleet ({{sha1}}); pakai misalnya {{suggestion}}',
      unknown: 'algoritme pertukaran kunci "{{name}}" tidak dikenal (yang dikenal: {{known}})',
      list: 'harus daftar nama algoritme pertukaran kunci SSH yang dipisah koma, misalnya "curve25519-sha256,ecdh-sha2-nistp256"',
      invalid: 'daftar pertukaran kunci tidak sah',
    },
    commander: {
      allowedChoices: 'Pilihan yang boleh: {{choices}}.',
    },
    service: {
      noInventoryAtNoPackages: 'tidak ada inventaris di {{dir}} (tidak ada packages.yaml)',
      cannotReadTheListBehind: '{{file}} (daftar di balik @failed) tidak dapat dibaca: {{value}}',
      isCorruptExpectedAJson: '{{file}} rusak (seharusnya daftar JSON berisi id paket), jadi @failed tidak dapat ditentukan',
      removeItTheNextFleet: 'hapus berkas itu (perintah armada berikutnya mencatat yang baru) atau pilih paket dengan cara lain',
      centralApiAtReportS: 'API pusat di {{value}}: {{authError}}; {{pending}} laporan tetap antre',
      noSingleReportInThe: 'tidak ada satu laporan pun di outbox yang cocok dengan {{value}}',
      nameTheReportsToRetry: 'sebutkan laporan yang akan dicoba ulang, atau berikan --all',
      reportWasAlreadyDelivered: 'laporan {{reportId}} sudah terkirim',
      nameTheReportsToDrop: 'sebutkan laporan yang akan dibuang, atau berikan --dead',
      droppingRemovesReportSFor: 'membuang menghapus {{n}} laporan untuk selamanya; API pusat tidak akan pernah menerimanya',
      addYesToConfirm: 'tambahkan --yes untuk konfirmasi',
      anotherRolloutIsRunningLock: 'rollout lain sedang berjalan (kunci {{value}}); tunggu sampai selesai, atau lihat: jfleet rollout status',
      releaseIsRequired: '--release wajib diisi',
      rolloutOfReleaseWasInterrupted: 'rollout {{id}} rilis {{release}} terputus',
      noPackageMatches: 'tidak ada paket yang cocok dengan {{value}}',
      noRolloutToResume: 'tidak ada rollout yang bisa dilanjutkan',
      rolloutOfWasAbortedIt: 'rollout {{id}} untuk {{release}} dihentikan ({{value}}); tidak dapat dilanjutkan',
      noRolloutToAbort: 'tidak ada rollout yang bisa dihentikan',
      rolloutOfIsAlready: 'rollout {{id}} untuk {{release}} sudah {{state}}',
      abortedByOperatorJfleetRollout: 'dihentikan oleh operator (jfleet rollout abort)',
    },
    store: {
      isLockedByAnotherJfleet: '{{file}} dikunci oleh jfleet lain yang masih menulis',
      tryAgainInAMoment: 'coba lagi sebentar lagi',
    },
    main: {
      theStateDatabaseIs: 'basis data status {{db}} {{value}} ({{message}})',
      restoreItFromABackup: 'pulihkan dari cadangan, atau pindahkan (mv {{db}} {{db2}}.broken) untuk mulai dengan status kosong',
      cannotWriteTheStateDatabase: 'basis data status {{db}} tidak dapat ditulis: {{reason}} ({{code}}); perubahan tidak dilakukan',
      freeSpaceOnThatFile: 'kosongkan ruang di sistem berkas itu atau jadikan dapat ditulis, lalu jalankan perintahnya lagi',
      cannotJfleetKeepsItsFiles: 'tidak dapat {{value}}: {{reason}} ({{code}}); jfleet menyimpan berkasnya di {{home}}',
    },
    apply: {
      anEarlierStepFailed: 'langkah sebelumnya gagal',
      exitOutput: 'kode keluar {{code}}: {{output}}',
      noOutput: '(tanpa keluaran)',
    },
    steps: {
      notInMirror: 'tidak ada di mirror paket Debian: {{names}}(diperiksa dengan apt-cache policy setelah apt-get update; tidak ada yang dipasang)',
      notDebianName: 'nama paket Debian {{name}} tidak sah',
      installAndRemove: 'paket Debian {{name}} diminta dipasang sekaligus dihapus',
      absentNeedsPaths: 'absent memerlukan daftar path',
      absentPath: 'path {{path}} harus path absolut yang terdiri atas nama biasa',
      absentDirectory: '{{path}} adalah direktori; hapus secara manual',
      conditionUnmet: 'dilewati: syarat tidak terpenuhi (systemd tidak menjalankan {{unit}}: salah satu Condition… unit itu bernilai salah di perangkat ini)',
      notStartedCondition: 'tidak dijalankan: syarat tidak terpenuhi',
      // alasan langkah yang berubah (di rencana dan ringkasan; tiap bagian yang dipisah '; ' sendiri-sendiri)
      reasonInstall: 'pasang {{names}}',
      reasonPurge: 'hapus bersih {{names}}',
      reasonEnable: 'aktifkan {{unit}}',
      reasonStart: 'jalankan {{unit}}',
      reasonRemove: 'hapus {{path}}',
      reasonInstallDeb: 'pasang {{name}} {{version}} dari {{file}}',
      reasonCreate: 'buat {{path}}',
      reasonUpdate: 'perbarui {{path}}',
      reasonFix: 'perbaiki {{label}}',
      reasonLink: 'tautkan {{path}} -> {{target}}',
      reasonRelink: 'tautkan ulang {{path}}',
      reasonInstallRelease: 'pasang rilis {{version}}',
      reasonCreateUser: 'buat pengguna {{name}}',
      reasonModeOf: 'mode {{path}}',
      reasonOwnerOf: 'pemilik {{path}}',
      reasonTimeZone: 'zona waktu {{from}} -> {{to}}',
      reasonHostName: 'setel nama host yang sedang berjalan',
      reasonSshdFirst: 'taruh blok terkelola paling atas di {{path}}',
      removeByHand: 'hapus secara manual',
      ownerGroupNames: 'owner/group harus nama pengguna',
      debNotPlain: 'nama berkas .deb {{file}} memuat karakter yang tidak diizinkan',
      hostNameLabel: 'nama host {{name}} harus satu label DNS (a-z, 0-9, "-")',
      releaseNotPlain: 'versi rilis {{version}} memuat karakter yang tidak diizinkan',
      unitNames: 'nama unit {{unit}}/{{wantedBy}} bukan nama unit systemd',
      sshdNotPlain: 'setelan sshd {{key}} {{value}} memuat karakter yang tidak diizinkan',
      zoneName: 'zona waktu {{zone}} bukan nama zona waktu',
      zoneMissing: 'zona waktu {{zone}} tidak terpasang ({{path}} tidak ada; pasang tzdata)',
      userName: 'nama pengguna {{name}} bukan nama pengguna POSIX',
      sshdConfigMissing: 'konfigurasi sshd {{path}} tidak ada',
      sshdConfigTooBig: 'konfigurasi sshd {{path}} terlalu besar untuk diubah dengan aman',
      dirNotFile: '{{path}} adalah direktori, bukan berkas; hapus secara manual',
      fileNotLink: '{{path}} adalah berkas, bukan tautan simbolik; hapus secara manual',
      // alasan langkah yang ok (tampil dengan --verbose): apa yang sudah sesuai
      okAbsent: '{{path}} sudah tidak ada',
      okPathsAbsent: '{{n}} path sudah tidak ada',
      okNoPackages: 'tidak ada paket Debian dalam daftar',
      okPackagesInstalled: '{{n}} paket Debian terpasang',
      okPackagesInstalledAbsent: '{{n}} paket Debian terpasang, {{m}} sudah tidak ada',
      okNoDebs: 'tidak ada berkas .deb dalam daftar',
      okDebsAtVersions: '{{n}} paket .deb sudah pada versinya',
      okDirectoryExists: '{{path}} sudah ada ({{mode}}, {{owner}})',
      okFileMatches: '{{path}} sudah sesuai (sha256, {{mode}}, {{owner}})',
      okHostName: 'nama host sudah {{name}}',
      okHostNameStatic: 'nama host sudah {{name}} (statis; systemd tidak berjalan)',
      okKeypairKept: '{{path}} sudah ada (dipertahankan: host lompatan mengenal kunci publiknya)',
      okCurrentRelease: 'rilis saat ini -> {{target}} (selanjutnya diurus rollout)',
      okUnitEnabled: '{{unit}} sudah diaktifkan',
      okUnitActive: '{{unit}} sudah diaktifkan dan berjalan',
      okUnitNotStarted: '{{unit}} sudah diaktifkan (systemd tidak berjalan: tidak dijalankan)',
      okSshdHardened: '{{path}} sudah memuat setelan yang diperketat di awal',
      okTimeZone: 'zona waktu sudah {{zone}}',
      okUser: 'pengguna {{name}} sudah sesuai',
    },
    recipe: {
      recipe: 'resep: {{message}}',
      mustBeFrom: 'variabel {{name}} = {{value}} harus {{rule}} (dari entri inventaris {{id}})',
      mustBe: 'variabel {{name}} = {{value}} harus {{rule}}',
      notAUrl: 'variabel {{name}} = {{value}} bukan URL',
      notSet: 'variabel {{name}} belum diisi',
      hostlabel: 'satu label DNS (a-z, 0-9, "-")',
      zone: 'nama zona waktu seperti Asia/Jakarta',
      username: 'nama pengguna POSIX',
      hostport: 'host:port seperti 127.0.0.1:8080',
      url: 'URL http(s) tanpa tanda kutip, spasi, "$", atau garis miring terbalik',
      secureurl:
        'URL https (kamera memerlukan halaman yang aman; http biasa hanya ke http://localhost), tanpa tanda kutip, spasi, "$", atau garis miring terbalik',
      hhmm: 'waktu HH:MM',
      yesno: 'yes atau no',
      windowsize: 'LEBARxTINGGI seperti 1920x1080, atau kosong',
      renderer: 'auto, gles2, pixman atau vulkan',
      seconds: 'detik bulat dari 1 sampai 999',
      count: 'bilangan bulat dari 1 sampai 99',
      duration: 'durasi seperti 20min',
      version: 'versi rilis',
    },
    screenshot: {
      unreadable: '{{id}}: skrip tangkapan layar tidak mencetak apa pun yang dapat dipahami (apakah bash terpasang?)',
      standIn: '{{id}} menjalankan browser pengganti lab: tidak ada layar untuk ditangkap',
      noDrm: '{{id}} tidak punya perangkat keras layar (tidak ada /sys/class/drm): tidak ada layar untuk ditangkap',
      noDisplay: 'tidak ada layar tersambung ke {{id}} ({{n}} konektor, tidak satu pun tersambung): periksa kabelnya dan pastikan layar menyala',
      noGrim: '{{id}} tidak punya grim (siapkan dengan resep kios 2.0.0 atau yang lebih baru)',
      noUser: '{{id}} tidak punya pengguna kios {{user}}',
      noSession: 'sesi kios {{id}} tidak berjalan (tidak ada tampilan Wayland untuk {{user}}): apakah jfleet-kiosk.service aktif?',
      unexpected: '{{id}}: jawaban tangkapan layar tak terduga {{answer}}',
      captureFailed: '{{id}}: grim tidak dapat menangkap layar ({{status}})',
      noExitStatus: 'tanpa status keluar',
    },
    bootstrap: {
      cannotReadThePasswordFile: 'berkas kata sandi {{passwordFile}} tidak dapat dibaca: {{value}}',
      bootstrapNeedsTheFactoryPassword: '--bootstrap memerlukan kata sandi pabrik',
      passPasswordFileFileOr: 'berikan --password-file FILE atau isi JFLEET_BOOTSTRAP_PASSWORD',
      noPublicKey: 'tidak ada kunci publik',
      bootstrapTheFleetPublicKey: 'bootstrap: kunci publik armada {{pubFile}} tidak ada (jalankan: jfleet keys init)',
      badPublicKey: 'kunci publik rusak',
      bootstrapIsNotAnOpenssh: 'bootstrap: {{pubFile}} bukan kunci publik OpenSSH',
      bootstrapFailed: 'bootstrap gagal',
    },
    plan: {
      waitsUntilLoginWithThe: 'menunggu sampai masuk dengan kunci armada terbukti berhasil (jalankan dengan --bootstrap)',
    },
    recipeLoad: {
      noRecipeYamlInThis: 'tidak ada recipe.yaml di direktori ini',
      fileNamedByTheRecipe: 'berkas {{rel}} yang disebut resep tidak ada',
      debFileIsMissing: 'berkas .deb {{p}} tidak ada',
      noProfile: 'resep {{name}} tidak punya profil "{{profile}}" (yang ada: {{have}})',
    },
    runner: {
      noPackagesMatch: 'tidak ada paket yang cocok{{value}}',
      theFleetKeyIsNot: 'kunci armada belum diterima: akan masuk dengan kata sandi pabrik lalu memasangnya',
      cancelledBeforeThisDeviceWas: 'dibatalkan sebelum perangkat ini diubah',
    },
    client: {
      apiCafileCannotReadIt: 'api.caFile {{caFile}}: tidak dapat dibaca ({{value}})',
      pointApiCafileOrJfleet: 'arahkan api.caFile (atau JFLEET_API_CA_FILE) ke berkas PEM berisi CA yang menandatangani sertifikat API pusat',
      centralApiAtHttp: 'API pusat di {{base}}: HTTP {{status}} {{value}}',
      apiUrlIsNotA: 'api.url "{{shown}}" bukan URL',
      apiUrlMustBeHttp: 'api.url "{{shown}}" harus http(s)',
      apiUrlCarriesAUser: 'api.url "{{value}}" memuat nama pengguna atau kata sandi',
      putTheCredentialInApi: 'simpan kredensialnya di api.token (dikirim di header Authorization) dan isi api.url tanpa user:password@',
      httpTheCentralApiRefused: 'HTTP {{status}}: API pusat menolak tokennya{{value}}',
      httpTheCentralApiRefusedDetail: 'HTTP {{status}}: API pusat menolak tokennya ({{detail}})',
      httpButAcknowledged: 'HTTP {{status}}, tetapi yang diakuinya laporan {{id}}',
      httpButNotReportAccepted: 'HTTP {{status}}, tetapi jawabannya bukan dokumen ReportAccepted',
      httpDetail: 'HTTP {{status}} {{detail}}',
      centralApiAt: 'API pusat di {{base}}: {{reason}}',
      notAFleetState: 'API pusat di {{base}}: jawabannya bukan status armada ({{issue}})',
      noAnswerWithin: 'tidak ada jawaban dalam {{seconds}} dtk',
      refused: 'sambungan ke {{address}} ditolak: server tidak berjalan di sana atau port salah (ECONNREFUSED)',
      noSuchHost: 'nama host {{host}} tidak dapat ditemukan (ENOTFOUND)',
      dnsNoAnswer: 'nama host {{host}} belum dapat ditemukan: DNS tidak menjawab (EAI_AGAIN)',
      connectTimedOut: 'sambungan ke {{address}} melewati batas waktu (ETIMEDOUT)',
      hostUnreachable: '{{address}} tak terjangkau (EHOSTUNREACH)',
      networkUnreachable: 'jaringan ke {{address}} tak terjangkau (ENETUNREACH)',
      connectTimeout: 'sambungan ke {{address}} melewati batas waktu {{ms, number}} ms (UND_ERR_CONNECT_TIMEOUT)',
      closedBySide: 'server menutup sambungan sebelum menjawab (UND_ERR_SOCKET)',
      connectionReset: 'sambungan diputus dari seberang (ECONNRESET)',
      badPort: 'port itu tidak boleh dipakai untuk HTTP (fetch menolaknya: bad port)',
      selfSigned: 'sertifikat server ditandatangani sendiri (DEPTH_ZERO_SELF_SIGNED_CERT): pasang CA-nya di api.caFile',
      selfSignedInChain: 'rantai sertifikat server memuat sertifikat yang ditandatangani sendiri (SELF_SIGNED_CERT_IN_CHAIN): pasang CA-nya di api.caFile',
      unknownIssuer: 'sertifikat server tidak dapat diverifikasi (UNABLE_TO_VERIFY_LEAF_SIGNATURE): pasang CA-nya di api.caFile',
      certExpired: 'sertifikat server sudah kedaluwarsa (CERT_HAS_EXPIRED)',
      certWrongName: 'sertifikat server bukan untuk nama ini (ERR_TLS_CERT_ALTNAME_INVALID): {{detail}}',
      notTls: 'server tidak menjawab dengan TLS: apakah api.url seharusnya http://? (ERR_SSL_WRONG_VERSION_NUMBER: {{detail}})',
    },
    centralServer: {
      readTokenAndPublic: 'token baca dan --public-read saling bertentangan: pilih salah satu',
      openToNetwork:
        'di {{host}} dasbor dan JSON armada akan terbuka ke jaringan: pasang token baca (JFLEET_CENTRAL_READ_TOKEN atau --read-token), atau nyatakan --public-read',
      unauthorized: 'unauthorized: token tidak ada atau salah (token bearer)',
      readToken: 'unauthorized: pembacaan butuh token baca ({{how}})',
      misdirected: 'misdirected_request: server ini tidak menjawab nama host itu (tambahkan dengan --server-name)',
      noReport: 'not_found: tidak ada laporan yang menyebut paket {{id}}',
      noRoute: 'not_found: tidak ada rute {{method}} {{path}}',
      methodNotAllowed: 'method_not_allowed: {{method}} tidak diizinkan di {{path}}',
      internal: 'internal: kesalahan internal server',
      sendJson: 'unsupported_media_type: kirim application/json',
      encoding: 'unsupported_encoding: content-encoding {{encoding}} tidak didukung (gzip atau identity)',
      tooLarge: 'too_large: satu laporan paling besar {{bytes, number}} bita',
      busy: 'busy: server sedang menahan terlalu banyak isi laporan; coba lagi sebentar lagi',
      badBody: 'bad_body: isi permintaan tidak dapat dibaca: {{reason}}',
      notJson: 'invalid_json: isinya bukan JSON',
      invalidReportIssue: 'invalid_report: isinya bukan laporan jfleet-central/v1 yang sah ({{path}}: {{issue}})',
      invalidReport: 'invalid_report: isinya bukan laporan jfleet-central/v1 yang sah',
      createdInFuture:
        'created_in_future: createdAt {{createdAt}} mendahului jam server ({{now}}) {{ahead}} dtk; paling banyak {{max}} dtk: betulkan jam runner (NTP), lalu jfleet outbox retry',
    },
    release: {
      releaseBundleEntry: 'bundel rilis {{label}}: entri "{{value}}" {{why}}',
      releaseBundleIsNotA: 'bundel rilis {{label}} bukan {{kind}} yang sah: {{msg}}',
      releaseBundleIsNotA2: 'bundel rilis {{label}} bukan {{kind}} yang sah: tidak berisi entri apa pun',
      versionIsNotAValid: '--version "{{version}}" bukan versi rilis yang sah',
      useLettersDigitsOrE: 'pakai huruf, angka, ".", "_", "+" atau "-", misalnya 1.4.0 atau 2026.11.28-1',
      noSuchFileOrDirectory: '{{label}}: berkas atau direktori tidak ada',
      cannotStoreReleaseInNothing: 'rilis {{version}} tidak dapat disimpan di {{root}}: {{why}}; tidak ada yang disimpan',
      aReleaseIsADirectory: '{{label}}: rilis berupa direktori atau arsip .tar/.tar.gz/.tgz',
      theBundleHasNoThe: '{{label}}: bundel tidak berisi {{INDEX_FILE}} (aplikasi kios)',
      aReleaseHoldsWwwThe: 'rilis berisi www/ (halaman kios), config opsional, dan skrip "check" opsional',
      notJson: 'bukan JSON: {{value}}',
      saysButVersionIs: 'menyebut {{value}}, padahal --version adalah {{version}}',
      checksumsDoNotMatchThe: 'checksum tidak cocok dengan bundel: {{value}}{{value2}}',
      releaseAlreadyExistsWithDifferent: 'rilis {{version}} sudah ada dengan isi berbeda; rilis tidak dapat diubah',
      publishTheChangeUnderA: 'terbitkan perubahannya dengan versi baru',
      isNotAValidRelease: '"{{value}}" bukan versi rilis yang sah',
      noReleaseIn: 'tidak ada rilis {{version}} di {{root}}',
      releaseInIsDamagedIt: 'rilis {{version}} di {{root}} rusak ({{damaged}}); tidak dapat dipakai',
      releaseDoesNotMatchIts: 'rilis {{version}}: {{archivePath}} tidak cocok dengan sha256 yang tercatat; penyimpanannya rusak',
      removeTheReleaseDirectoryAnd: 'hapus direktori rilis itu lalu tambahkan lagi',
    },
    update: {
      noLongerInTheInventory: 'sudah tidak ada di inventaris',
      afterTheSwitchRollback: 'setelah peralihan: {{error}}; pengembalian: {{error2}}',
      noPreviousReleaseToRoll: '{{why}}; tidak ada rilis sebelumnya untuk dikembalikan',
      rollbackToFailedItsGate: '{{why}}; pengembalian ke {{previous}} juga gagal di gerbangnya: {{problems}}',
    },
    waves: {
      wavesHasAnEmptyEntry: '--waves "{{spec}}" memuat entri kosong',
      useCountsAndPercentagesE: 'pakai jumlah dan persentase, misalnya --waves {{DEFAULT_WAVES}}',
      wavesMustBeAPercentage: '--waves: "{{p}}" harus persentase di atas 0% dan paling banyak 100%',
      wavesMustBeADevice: '--waves: "{{p}}" harus jumlah perangkat minimal 1',
      wavesIsNeitherADevice: '--waves: "{{p}}" bukan jumlah perangkat (misalnya 1) dan bukan persentase (misalnya 10%)',
      wavesEndsAtTheLast: '--waves "{{spec}}" berakhir di {{pct, number}}%: gelombang terakhir harus 100% agar setiap perangkat terpilih diperbarui',
      theWavesCoverOfSelected: 'gelombang mencakup {{lastTarget}} dari {{total}} perangkat terpilih: akhiri dengan 100%',
      maxFailMustBeAt: '--max-fail: "{{spec}}" paling banyak 100%',
      maxFailIsNeitherA: '--max-fail: "{{spec}}" bukan jumlah (misalnya 2) dan bukan persentase (misalnya 5%)',
    },
    install: {
      systemdAndCronDoNot: '{{systemdFlag}} (systemd) dan {{cronFlag}} (cron) tidak bisa dipakai bersama',
      pickOneOrSayWhich: 'pilih salah satu, atau sebutkan dengan --kind',
      isForSystemdUnitsNot: '{{systemdFlag}} untuk unit systemd, bukan --kind cron',
      isForCronNotKind: '{{cronFlag}} untuk cron, bukan --kind systemd',
      notForDaemon: '{{flag}} untuk sweep sekali-jalan dengan timer, bukan --kind daemon',
      daemonTakesCron: 'daemon mengambil jadwalnya dari --cron',
      hasFieldsScheduleInstallWrites:
        '{{value}} "{{cronExpr}}" punya {{length}} kolom; schedule install menulis crontab dan timer systemd, yang menerima tepat 5 (menit jam tanggal bulan hari)',
      cronPicksUpEtcCron: 'cron membaca /etc/cron.d dengan sendirinya',
    },
    units: {
      mustNotContainControlCharacters: '{{what}} tidak boleh berisi karakter kontrol atau baris baru',
      cannotTurnIntoASystemd: '"{{expr}}" tidak dapat diubah menjadi OnCalendar systemd; berikan --on-calendar',
      eGOnCalendar0: 'misalnya --on-calendar "*:0/15" (lihat man systemd.time)',
    },
    lock: {
      anotherIsStartingNotStarting: '{{name}} lain sedang dimulai; tidak memulai yang kedua',
      itDidNotFinishWithin: 'ia tidak selesai dalam waktu tunggu',
      waitForItOrRun: 'tunggu sampai selesai, atau jalankan dengan --wait untuk antre di belakangnya',
      anotherIsRunningPidSince: '{{name}} lain sedang berjalan (pid {{pid}}, sejak {{since}}); tidak memulai yang kedua',
      gaveUpWaitingForThe: 'berhenti menunggu kunci {{name}}',
    },
    ssh: {
      reportedReadyWithoutACompleted: '{{name}} melapor siap tanpa pertukaran kunci yang tuntas',
      connectionLostBeforeTheSsh: 'sambungan putus sebelum sesi SSH siap',
    },
    // kalimat pustaka yaml sendiri (errors.ts yamlMessage), seperti yaml 2.x menulisnya
    yamlParser: {
      yaml: 'YAML: {{message}}',
      nestedTooDeeply: 'bersarang terlalu dalam',
      tooManyAliases: 'terlalu banyak alias (lebih dari {{max}} penjabaran: bom alias?)',
      moreThanOneDocument: 'berkas berisi lebih dari satu dokumen YAML (ada baris "---" kedua)',
      aliasProps: 'Alias tidak boleh diberi properti (anchor atau tag)',
      aliasEmpty: 'Alias tidak boleh kosong',
      aliasColon: 'Alias yang berakhir dengan : bermakna ganda',
      anchorEmpty: 'Anchor tidak boleh kosong',
      anchorColon: 'Anchor yang berakhir dengan : bermakna ganda',
      anchorWhitespace: 'Anchor tidak boleh berisi spasi atau karakter kendali: {{anchor}}',
      collectionType: '{{tag}} dipakai untuk koleksi {{type}}, padahal tag itu mengharapkan {{expected}}',
      badEscape: 'Urutan escape {{sequence}} tidak sah',
      sequenceColumn: 'Semua butir daftar harus mulai di kolom yang sama',
      mappingColumn: 'Semua kunci mapping harus mulai di kolom yang sama',
      propOrder: 'Anchor dan tag harus ditulis sesudah penanda {{indicator}}',
      plainStart: 'Nilai tanpa tanda kutip tidak boleh diawali {{char}}',
      blockSequenceAsKey: 'Daftar blok tidak boleh dipakai sebagai kunci mapping implisit',
      nestedCompact: 'Mapping bersarang tidak boleh ada di dalam mapping ringkas',
      duplicateKey: 'Kunci mapping harus unik',
      blockHeaderMissing: 'Kepala skalar blok tidak ditemukan',
      mapCommentTrailing: 'Komentar mapping diikuti isi lain',
      closingSingleQuote: "Tanda kutip penutup ' tidak ada",
      closingDoubleQuote: 'Tanda kutip penutup " tidak ada',
      collectionOnMarkerLine: 'Koleksi blok tidak boleh mulai pada baris yang sama dengan penanda akhir direktif (---)',
      commentSpace: 'Komentar (#) harus dipisahkan dari isi lain dengan spasi',
      implicitKeyValue: 'Kunci mapping harus diikuti nilainya (kunci: nilai)',
      directivesEndMissing: 'Baris penanda akhir direktif (---) tidak ada',
      documentStartMissing: 'Baris penanda akhir direktif atau awal dokumen (---) tidak ada',
      itemWithoutDash: 'Butir daftar tanpa penanda -',
      propsSpace: 'Tag dan anchor harus dipisahkan dari isi berikutnya dengan spasi',
      missingComma: 'Tanda , tidak ada di antara butir {{collection}}',
      missingCommaOrColon: 'Tanda , atau : tidak ada di antara butir {{collection}}',
      missingSpaceAfterColon: 'Spasi sesudah : tidak ada di {{collection}}',
      keyOnOneLine: 'Kunci implisit harus berada pada satu baris',
      pairKeyOnOneLine: 'Kunci implisit pasangan dalam daftar flow harus berada pada satu baris',
      oneAnchor: 'Satu node paling banyak punya satu anchor',
      oneTag: 'Satu node paling banyak punya satu tag',
      tabIndent: 'Tab tidak boleh dipakai untuk indentasi; pakai spasi',
      unresolvedTag: 'Tag tidak dikenal: {{tag}}',
      blockHeaderExtra: 'Kepala skalar blok berisi karakter lebih: {{source}}',
      expectedFlowScalar: 'Seharusnya nilai skalar flow, tetapi ditemukan: {{type}}',
      unexpectedIn: '{{token}} tak terduga di {{place}}',
      unexpectedToken: 'Token {{type}} tak terduga',
      unexpectedAtNodeEnd: '{{type}} tak terduga di akhir node',
      unexpectedEmptyItem: 'Butir kosong tak terduga di {{collection}}',
      unsupportedToken: 'Token {{type}} tidak didukung',
      unsupportedTokenType: 'Token tidak didukung (jenis: {{type}})',
      newlineAfterProps: 'Baris baru sesudah properti daftar blok tidak ada',
      eitherType: 'Nilai dapat dibaca sebagai {{first}} atau {{second}}',
      documentEndAlone: 'Penanda akhir dokumen (...) tanpa dokumen sebelumnya',
      blockLeadingEmpty: 'Skalar blok yang baris kosong awalnya lebih menjorok harus memakai penanda indentasi eksplisit',
      blockInCollection: 'Nilai skalar blok di dalam koleksi harus menjorok',
      blockLessIndented: 'Baris skalar blok tidak boleh kurang menjorok daripada {{reference}}',
      firstLine: 'baris pertamanya',
      explicitIndicator: 'penanda indentasi eksplisitnya',
      blockHeaderToken: 'Token tak terduga di kepala skalar blok: {{type}}',
      flowEndIndent: 'Penanda akhir flow seharusnya lebih menjorok daripada induknya',
      notAToken: 'Bukan token YAML: {{source}}',
      flowMustEnd: '{{collection}} harus diakhiri {{end}}',
      flowInBlock: '{{collection}} di dalam koleksi blok harus cukup menjorok dan diakhiri {{end}}',
      flowMap: 'mapping flow',
      flowSequence: 'daftar flow',
      flowMapStart: 'Mapping flow',
      flowSequenceStart: 'Daftar flow',
      collection: 'koleksi',
    },
    yamlGuard: {
      aByteOrderMarkU: 'ada byte-order mark (U+FEFF) setelah awal berkas: simpan sebagai UTF-8 dengan paling banyak satu BOM, tepat di awal',
      moreThanLines: 'lebih dari {{MAX_YAML_LINES}} baris',
      nestedDeeperThanLevels: 'bersarang lebih dalam dari {{MAX_YAML_DEPTH}} tingkat',
      moreThanValues: 'lebih dari {{MAX_YAML_NODES}} nilai',
      aMappingOfKeysAt: 'mapping berisi {{length}} kunci (paling banyak {{MAX_MAP_KEYS}})',
      yamlDuplicateKeyMapKeys: 'YAML: kunci "{{value}}" duplikat (kunci mapping harus unik)',
    },
    output: {
      cannotWrite: '{{flag}}: {{file}} tidak dapat ditulis: {{reason}}',
      itIsIn: 'berkas itu ada di {{place}}',
      itIs: 'berkas itu adalah {{place}}',
      resolvesToIn: 'berkas itu mengarah ke {{real}}, di {{place}}',
      resolvesTo: 'berkas itu mengarah ke {{real}}, {{place}}',
      hardLinkIn: 'berkas itu tautan keras (hard link) ke {{path}}, di {{place}}',
      hardLink: 'berkas itu tautan keras (hard link) ke {{path}}, {{place}}',
      sameFile: '{{flag}} menyebut berkas yang sama',
      inventoryDir: 'direktori inventaris ({{dir}})',
      referenceData: 'data rujukan desa milik jfleet ({{dir}})',
      shippedRecipe: 'resep kios bawaan jfleet ({{dir}})',
      home: 'JFLEET_HOME ({{dir}}), tempat jfleet menyimpan config, kunci, dan statusnya',
      csvImported: 'CSV yang sedang diimpor (--from)',
      sshKey: 'kunci SSH jfleet (keyFile {{file}})',
      caCertificate: 'sertifikat CA API pusat (api.caFile {{file}})',
    },
    reason: {
      noSuchDirectory: 'direktori tidak ada',
      notADirectory: 'salah satu bagian path bukan direktori',
      permissionDenied: 'izin ditolak',
      notPermitted: 'operasi tidak diizinkan',
      readOnly: 'sistem berkas hanya-baca',
      isADirectory: 'itu direktori',
      noSpace: 'ruang di perangkat penyimpanan habis',
      symlinkLoop: 'terlalu banyak tingkat tautan simbolik',
      nameTooLong: 'nama berkas terlalu panjang',
      quota: 'kuota disk terlampaui',
      fileTooLarge: 'berkas terlalu besar',
      io: 'kesalahan masukan/keluaran',
      dbFull: 'basis data atau disk penuh',
      notADb: 'berkas bukan basis data',
      dbCorrupt: 'berkas basis data rusak',
      dbReadOnly: 'basis data hanya-baca',
      dbCantOpen: 'berkas basis data tidak dapat dibuka',
      diskIo: 'kesalahan I/O disk',
      dbDenied: 'akses ke berkas basis data ditolak',
    },
    failure: {
      bastionHostkey:
        '{{message}}; jika host lompatan {{bastion}} dibangun ulang, isi hostKey di bastions.yaml dengan kunci barunya (ssh-keyscan, dibaca di host lompatan itu sendiri)',
      tunnelDown:
        '{{message}} (jfleet-tunnel.service kios tidak tersambung: periksa listrik dan jaringan 4G-nya, bahwa ia disiapkan dengan reach: tunnel, dan di host lompatan: jfleet bastion add {{id}})',
      hostkeyAccept: '{{message}}; jika perangkat dipasang ulang, jalankan: jfleet hostkey accept {{id}}',
      keysInit: '{{message}} (jalankan: jfleet keys init, atau isi keyFile)',
    },
    reach: {
      notInstalled: '{{cmd}} tidak terpasang di mesin ini (host lompatan butuh perkakas shadow: apt-get install passwd)',
      mustBeRoot: 'jfleet bastion harus dijalankan sebagai root di host lompatan (ia membuat pengguna Unix dan pengaturan sshd)',
      notRootFs: '{{root}} tidak tampak seperti sistem berkas root (tidak ada etc/passwd)',
      groupNotCreated: 'grup {{name}} tidak terbuat di {{root}}',
      operatorKeyFile: '--operator-key harus menyebut berkas berisi satu baris kunci publik OpenSSH (misalnya ~/.jfleet/keys/fleet_ed25519.pub)',
      notPackageId: '"{{id}}" bukan id paket (huruf kecil, angka, dan "-")',
      keyLine: '--key harus baris kunci publik terowongan perangkat ("ssh-ed25519 AAAA…", /etc/jfleet/tunnel_ed25519.pub)',
      noGroups: 'host lompatan ini belum punya grup {{devices}}/{{ops}}: jalankan dulu jfleet bastion init --apply',
      expectedBastionsList: 'seharusnya mapping dengan daftar "bastions"',
      duplicateBastion: 'id host lompatan "{{id}}" ganda (juga di baris {{line}})',
      needsBastion: 'reach: tunnel butuh bastion: <id> (sebuah host lompatan di bastions.yaml)',
      directOrTunnel: 'harus direct atau tunnel',
      needsBastionNoFile: 'reach: tunnel butuh host lompatan, dan {{file}} tidak ada (docs/reach.md)',
      needsBastionNone: 'reach: tunnel butuh host lompatan, dan {{file}} tidak mendefinisikan satu pun (docs/reach.md)',
      needsBastionSeveral: 'reach: tunnel butuh host lompatan: {{file}} mendefinisikan beberapa ({{ids}}); sebutkan salah satunya',
      bastionsMissing: 'host lompatan "{{id}}" tidak didefinisikan: {{file}} tidak ada',
      unknownBastion: 'host lompatan "{{id}}" tidak dikenal ({{file}} mendefinisikan: {{ids}})',
      noJump: 'paket yang memakai terowongan dijangkau lewat host lompatannya, bukan jump host: hapus jump atau isi reach: direct',
      bastionOnlyTunnel: 'bastion hanya dipakai dengan reach: tunnel',
      tunnelOnlyTunnel: 'pengaturan tunnel hanya dipakai dengan reach: tunnel',
      tunnelPortNotOnBastion:
        'port {{port}} bukan port host lompatan {{id}} (port-nya: {{ports}}): tambahkan ke ports host lompatan itu di {{file}} atau hapus tunnel.port',
      bastionId: 'harus id host lompatan (huruf kecil, angka, dan "-")',
      wholeSeconds: 'harus bilangan bulat detik',
      intervalRange: 'harus 10-3600 dtk',
      countRange: 'harus 1-10',
      publicKeyLine: 'harus baris kunci publik OpenSSH seperti "ssh-ed25519 AAAA…" (ssh-keyscan atau /etc/ssh/ssh_host_ed25519_key.pub)',
      atLeastOnePort: 'harus menyebut paling sedikit satu port',
      absolutePath: 'harus path absolut dari huruf, angka, _ . / -',
      throughBastion: '{{id}} tak terjangkau lewat host lompatan {{bastion}}: {{reason}}',
      bastionUnpinned: 'host lompatan {{id}} belum punya kunci host yang disematkan',
      bastionUndefined: '{{id}} terdaftar dengan reach: tunnel tetapi host lompatannya {{bastion}} tidak didefinisikan',
      tunnelNotConnected: 'terowongannya tidak tersambung ke host lompatan {{bastion}} ({{path}}: {{reason}})',
      keypairNotFile: '{{path}} (atau .pub-nya) bukan berkas biasa; hapus secara manual',
      keypairKept: '{{path}} sudah ada (dipertahankan: host lompatan mengenal bagian publiknya)',
      keypairNoPub: '{{path}} ada tanpa {{path}}.pub; pulihkan dengan ssh-keygen -y -f {{path}}',
      keypairMake: 'buat kunci ed25519 di {{path}} (lihat dengan: cat {{path}}.pub)',
      bastionHostKeyChanged: 'kunci host dari host lompatan {{bastion}} berubah: yang disematkan {{expected}}, yang ditawarkan {{actual}}',
      hostKeyChanged: 'kunci host {{target}} berubah: yang disematkan {{expected}}, yang ditawarkan {{actual}}',
    },
    // gerbang kesehatan rollout (rollout/device.ts gate()) dan yang dikatakan pembaruan satu perangkat
    gate: {
      failedOn: 'gerbang kesehatan gagal di {{version}}: {{problems}}',
      currentPointsTo: 'current menunjuk ke {{target}}, bukan releases/{{version}}',
      currentPointsNowhere: 'current tidak menunjuk ke mana pun, bukan releases/{{version}}',
      manifestReports: 'manifest.json menyebut {{version}}',
      manifestNoVersion: 'manifest.json tidak menyebut versi',
      kioskNotRunning: 'kios tidak berjalan (tidak ada berkas pid)',
      kioskProcessDead: 'proses kios mati ({{pidFiles}})',
      noListen: 'tidak ada KIOSK_LISTEN di kiosk.env',
      pageAnswered: 'halaman di {{listen}} menjawab {{code}}',
      pageAnsweredNothing: 'halaman di {{listen}} tidak menjawab',
      releaseCheckFailed: 'pemeriksaan rilis gagal (kode keluar {{code}})',
      releaseCheckFailedOutput: 'pemeriksaan rilis gagal (kode keluar {{code}}): {{output}}',
      didNotRun: 'gerbang kesehatan tidak berjalan',
      notRestartedYet: 'kios belum dimulai ulang (pid-nya sama seperti sebelum peralihan)',
      restartedAgain: 'kios dimulai ulang lagi selama masa tunggu stabil',
      afterTheSwitch: 'setelah peralihan: {{error}}',
      noPreviousRelease: '{{why}}; tidak ada rilis sebelumnya',
      rollbackUnhealthy: 'pengembalian ke {{previous}} tidak sehat: {{problems}}',
      maxFailPassed: '{{failures}} kegagalan di antara {{reached}} perangkat yang terjangkau melewati --max-fail {{maxFail}} setelah gelombang {{wave}}',
      rolloutAborted: 'rollout dihentikan',
      abortedByOperator: 'rollout dihentikan oleh operator',
      noReasonRecorded: 'tidak ada alasan yang tercatat',
      internalError: 'kesalahan internal: {{message}}',
      // langkah di perangkat yang gagal, dan yang dikatakan skripnya
      stepInspect: 'pemeriksaan perangkat: {{message}}',
      stepTransfer: 'pengiriman: {{message}}',
      stepInstall: 'pemasangan: {{message}}',
      stepSwitch: 'peralihan: {{message}}',
      stepGate: 'gerbang kesehatan: {{message}}',
      stepRollback: 'pengembalian: {{message}}',
      checksumMismatch: 'checksum tidak cocok: {{files}}',
      fileCount: 'seharusnya {{expected}} berkas, ditemukan {{found}}',
      archiveDamaged: 'arsip tiba dalam keadaan rusak (sha256 {{sha}})',
      noStagedArchive: 'tidak ada arsip yang disiapkan',
      cannotUnpack: 'arsip tidak dapat dibongkar',
      releaseNotOnDevice: 'rilis {{version}} tidak ada di perangkat',
    },
    // mengapa entri bundel rilis ditolak (release.ts, manifest.ts bundlePathProblem)
    bundle: {
      cannotBeRead: 'tidak dapat dibaca: {{reason}}',
      symlink: 'adalah tautan simbolik; bundel hanya berisi berkas biasa',
      notRegular: 'bukan berkas biasa',
      notRegularTar: 'bukan berkas biasa (jenis tar {{type}})',
      liesUnderFile: 'berada di bawah "{{dir}}", yang berupa berkas',
      absolute: 'adalah path absolut',
      fileAndDirectory: 'berupa berkas sekaligus direktori',
      twice: 'muncul dua kali dalam arsip',
      hardLinkTarget: 'adalah hard link yang targetnya "{{target}}" {{why}}',
      hardLinkNotEarlier: 'adalah hard link ke "{{target}}", yang bukan berkas biasa yang muncul lebih awal dalam arsip',
      emptyName: 'namanya kosong',
      controlChar: 'namanya memuat karakter kontrol (baris baru, ESC, ...)',
      backslash: 'namanya memuat garis miring terbalik',
      notUtf8: 'namanya bukan UTF-8 yang sah',
      emptyComponent: 'memuat komponen path yang kosong ("//")',
      dotComponent: 'memuat komponen path "{{part}}"',
      nameBytes: 'namanya {{n, number}} byte (paling banyak {{max, number}})',
      pathBytes: 'path-nya {{n, number}} byte (paling banyak {{max, number}})',
      tarArchive: 'arsip .tar',
      entryEndsEarly: 'sebuah entri berakhir sebelum waktunya',
      manifestVersion: 'harus berupa huruf, angka, ".", "_", "+" atau "-", diawali huruf atau angka',
      relativePath: 'harus path relatif di dalam bundel',
      sha256: 'harus digest sha256 heksadesimal',
    },
    // bootstrap dan pengumpulan fakta penyiapan (provision/runner.ts, bootstrap.ts, facts.ts, gather.ts)
    gather: {
      loggedIn: 'masuk dengan kata sandi pabrik, kunci armada dipasang',
      loggedInPinned: 'masuk dengan kata sandi pabrik, kunci armada dipasang, kunci host disematkan ({{key}})',
      keyNotAcceptedCheck: 'kunci armada belum diterima (berikan kata sandi pabrik untuk melihat dengan --check, atau jalankan tanpa --check untuk bootstrap)',
      bootstrap: 'bootstrap: {{message}}',
      keyLoginStillFails: 'kunci armada sudah dipasang tetapi masuk dengan kunci itu masih gagal: {{message}}',
      factoryFresh: '{{message}} (perangkat baru dari pabrik? jalankan dengan --bootstrap)',
      readingFacts: 'membaca fakta: {{message}}',
      unexpectedFile: 'fakta file: keluaran tak terduga {{output}}',
      unexpectedDirectory: 'fakta directory: keluaran tak terduga {{output}}',
      unexpectedLink: 'fakta link: keluaran tak terduga {{output}}',
      unexpectedSshdConfig: 'fakta sshd-config: keluaran tak terduga {{output}}',
      missingContent: 'fakta file: isi atau sha256 tidak ada',
      missingFromAnswer: 'fakta {{name}} tidak ada dalam jawaban perangkat',
      notGathered: 'fakta {{name}} tidak dikumpulkan',
      unknownFact: 'fakta {{name}} tidak dikenal',
      unexpectedPasswd: 'fakta user: baris passwd tak terduga untuk {{name}}',
      // apa yang menempati sebuah path ("{{path}} adalah tautan simbolik, bukan berkas")
      symbolicLink: 'tautan simbolik',
      specialFile: 'berkas khusus',
      kindNotFile: '{{path}} adalah {{kind}}, bukan berkas; hapus secara manual',
      kindNotDirectory: '{{path}} adalah {{kind}}, bukan direktori; hapus secara manual',
      fileNotDirectory: '{{path}} adalah berkas, bukan direktori; hapus secara manual',
      kindNotLink: '{{path}} adalah {{kind}}, bukan tautan simbolik; hapus secara manual',
      directoryNotLink: '{{path}} adalah direktori, bukan tautan simbolik; hapus secara manual',
      currentNotLink: '{{path}}/current adalah {{kind}}, bukan tautan simbolik',
      currentFileNotLink: '{{path}}/current adalah berkas, bukan tautan simbolik',
      currentDirectoryNotLink: '{{path}}/current adalah direktori, bukan tautan simbolik',
    },
    // target probe di health.yaml (health/settings.ts) dan kunci tak dikenal di berkas YAML (yaml-guard.ts)
    probeTarget: {
      mustBeText: 'harus berupa teks',
      noSpaces: 'tidak boleh memuat spasi atau karakter kontrol (tertulis {{value}})',
      noDash: 'tidak boleh diawali "-" (tertulis {{value}}): nilai itu akan sampai ke perintah di perangkat sebagai opsi',
      httpUrl: 'harus URL http(s), misalnya https://portal.example.id/ (tertulis {{value}})',
      hostName: 'harus nama host (RFC 1123), misalnya jemberkab.go.id (tertulis {{value}})',
      ipOrHost: 'harus alamat IP atau nama host (tertulis {{value}})',
      ipOrHostAuto: 'harus alamat IP atau nama host (atau auto) (tertulis {{value}})',
      expectedMapping: 'seharusnya berupa mapping',
      unknownKeyKnown: 'kunci "{{key}}" tidak dikenal (yang dikenal: {{known}})',
      unknownKeyDidYouMean: 'kunci "{{key}}" tidak dikenal (maksud Anda "{{suggestion}}"?)',
    },
    // penolakan exec atas nilai placeholder yang dapat dijalankan shell (transport/recap.ts)
    placeholder: {
      code: 'ditolak untuk {{placeholder}}: nilainya memuat {{found}}; bash dapat menjalankan nilai seperti itu sebagai kode (aritmetika, subskrip array): nilai placeholder tidak boleh memuat $ ` [ ] <( >(',
      spliced:
        "ditolak untuk {{placeholder}}: placeholder itu berada di dalam teks yang lebih panjang yang mungkin berupa skrip untuk shell lain (seperti 'echo {var.n}' atau heredoc), dan nilainya memuat {{found}}; di sana hanya huruf, angka, dan _ . / : = @ % + , - yang lolos (beri placeholder itu kata tersendiri)",
    },
  },
  advice: {
    fixInventory: 'perbaiki inventaris (jfleet inventory check menampilkan semua masalahnya)',
    fixInventoryFile: 'perbaiki {{file}} dulu (jfleet inventory check); tidak ada yang ditulis',
    noInventory: 'daftarkan paket dengan jfleet register, atau pilih inventaris dengan --inventory DIR / JFLEET_INVENTORY',
    rolloutUsage: 'contoh: jfleet rollout --release 1.4.0 --waves 1,10%,50%,100% --max-fail 5%',
    rolloutInProgress: 'selesaikan dengan: jfleet rollout resume, atau batalkan dengan: jfleet rollout abort',
    rolloutStart: 'mulai dengan: jfleet rollout --release V',
    rolloutRestart: 'mulai rollout baru: jfleet rollout --release {{release}}',
    releaseAddAgain: 'tambahkan lagi dari bundelnya: jfleet release add PATH --version {{version}} (rilis yang rusak akan diganti)',
    releaseAdd: 'tambahkan dulu: jfleet release add PATH --version {{version}}',
    apiUrlMissing: 'jfleet config set api.url https://central.example/fleet (atau isi JFLEET_API_URL); jalankan server lokal dengan jfleet central serve',
    apiUrlInvalid: 'jfleet config set api.url https://central.example/fleet',
    apiTokenMissing: 'jfleet config set api.token TOKEN (atau isi JFLEET_API_TOKEN)',
    apiTokenRejected: 'pasang token yang benar dengan jfleet config set api.token TOKEN (atau JFLEET_API_TOKEN), lalu jalankan jfleet report',
    outboxListAll: 'lihat jfleet outbox list --all',
    outboxList: 'jfleet outbox list',
    cronSeconds: 'hapus kolom detik, misalnya "*/15 * * * *" (enam kolom dengan detik hanya berlaku untuk jfleet schedule run)',
    configFileBroken: 'perbaiki atau hapus berkas itu, lalu gunakan jfleet config set',
    configEnvInvalid: 'perbaiki dengan jfleet config set KEY VALUE (atau hapus variabel lingkungan itu)',
  },
  dashboard: {
    title: 'Armada kios Jember — jfleet pusat',
    heading: 'Armada kios desa Kabupaten Jember',
    packages_other: '{{count}} paket',
    villages_other: '{{count}} desa/kelurahan',
    reportsReceived_other: '{{count}} laporan diterima',
    lastReport: 'laporan terakhir {{when}}',
    generated: 'halaman dibuat {{time}}',
    never: 'belum pernah',
    language: 'Bahasa',
    langName: {
      en: 'English',
      id: 'Bahasa Indonesia',
    },
    map: {
      title: 'Kios desa Kabupaten Jember',
      subtitle: '{{packages}} di {{villages}}',
      village: '{{village}} ({{district}}): {{state}}',
    },
    district: {
      summary: '{{code}} · {{packages}}: {{states}}',
      stateCount: '{{count}} {{state}}',
    },
    flag: {
      soft: 'sementara (belum dipastikan)',
      flapping: 'naik-turun',
      silenced: 'dibisukan',
    },
    tunnel: {
      title: 'terowongan lewat {{bastion}}',
      titleSince: 'terowongan lewat {{bastion}}, tersambung sejak {{since}}',
      bastionPort: '{{bastion}} port {{port}}',
      up: 'terowongan tersambung sejak {{since}}',
      down: 'terowongan putus, terlihat {{seen}}',
      unknown: 'terowongan tak diketahui, terlihat {{seen}}',
    },
    allChecksOk: 'semua pemeriksaan ok',
    noRelease: 'belum ada rilis',
    filter: {
      state: 'Status',
      district: 'Kecamatan',
      search: 'Cari',
      all: 'semua',
      placeholder: 'paket, desa, rilis',
      shown: '{{n}} ditampilkan',
    },
    column: {
      package: 'Paket',
      village: 'Desa/Kelurahan',
      state: 'Status',
      release: 'Rilis',
      lastSeen: 'Terakhir terlihat',
      checks: 'Pemeriksaan',
    },
    noReport: 'Belum ada laporan yang diterima.',
    error: {
      title: 'Kesalahan {{status}}',
      code: 'kode untuk staf TI: {{code}}',
      readToken:
        'Dasbor ini butuh token baca. Muat ulang halaman dan masuk dengan nama pengguna apa saja dan token baca sebagai kata sandinya; staf TI kabupaten yang menjalankan jfleet central memegangnya.',
      misdirected:
        'Server ini tidak menjawab nama "{{host}}". Buka dasbor di alamat yang diberikan staf TI kabupaten, atau minta mereka menambahkan nama ini (jfleet central serve --server-name).',
      notFound: 'Tidak ada halaman di {{path}}. Dasbor ada di /.',
      internal: 'Server tidak dapat membuat halaman ini (alasannya ada di log server). Coba lagi semenit lagi; bila tetap begini, beri tahu staf TI kabupaten.',
    },
    footer: {
      json: 'JSON: {{fleet}}',
      history: 'riwayat sebuah paket: {{path}}',
    },
    check: {
      load: 'beban',
      memory: 'memori',
      disk: 'disk',
      kiosk_browser: 'browser kios',
      kiosk_page: 'halaman kios',
      uptime: 'waktu menyala',
      temperature: 'suhu',
      display: 'layar',
      time_sync: 'sinkronisasi jam',
      release: 'rilis',
      dns: 'DNS',
      portal: 'portal',
      central_api: 'API pusat',
      gateway: 'gateway',
      internet: 'internet',
      ssh: 'SSH',
    },
  },
} satisfies Translation;
