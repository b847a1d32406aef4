/**
 * Bahasa Indonesia. Same keys as en.ts (test/i18n/catalogs.test.ts holds every key, placeholder
 * and plural form to it); terms as docs/glossary.md fixes them. Indonesian has one plural form:
 * a counted message is key_other only.
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
  3    tidak diketahui (kontrak Nagios, jfleet check)
  4    rollout dihentikan (kegagalan melewati --max-fail)
  5    rollout selesai dengan perangkat tertunda (tak terjangkau; rollout berikutnya melanjutkannya)
  6    sweep: status peringatan terburuk adalah kritis (1 waspada, 3 tidak diketahui)
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
  errors: {
    mustBeWholeNumber: 'harus bilangan bulat',
    isRequired: 'wajib diisi',
  },
  dashboard: {},
} satisfies Translation;
