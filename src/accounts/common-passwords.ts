// The passwords attackers try first: the top of the public breach-corpus lists, and the
// patterns behind most of the rest (a common word or keyboard walk plus digits, a year or
// "!"). Compared case-insensitively.

const TOP = `
123456 123456789 12345678 1234567890 12345 1234567 password qwerty 111111 123123 abc123 1234
password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword pa$$word iloveyou
000000 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx 1qaz2wsx3edc zaq12wsx zaq1zaq1 zaq1xsw2cde3
qwertyuiop qwertyuiop123 asdfghjkl asdfghjkl123 zxcvbnm zxcvbnm123 qazwsx qazwsxedc qazwsxedcrfv
qwerty123 qwerty1234 qwerty12345 qwerty123456 qwer1234 qwer123456 asdf1234 asdf123456 q1w2e3r4
q1w2e3r4t5 q1w2e3r4t5y6 123qwe 123qweasd 123qweasdzxc qweasdzxc qweasdzxc123 1234qwer 1234qwerasdf
0123456789 0987654321 9876543210 1111111111 0000000000 2222222222 5555555555 7777777777
9999999999 1234512345 123123123 123123123123 123456123456 147258369 159753 159357 741852963
a1b2c3d4 a1b2c3d4e5 aa12345678 aa123456 abc12345 abc123456 abc1234567 abcd1234 abcd123456
abcdefg abcdefgh abcdefghij abcdef123 abcde12345 1234abcd 12345abc 123456abc 123456a 123456789a
1234567891 12345678910 1234567899 12345678900 123456789q 123456789z
admin admin123 admin1234 admin12345 admin123456 administrator root root1234 toor changeme
changeme123 default guest guest123 test test123 test1234 test12345 test123456 testing testing123
welcome welcome1 welcome123 welcome1234 letmein letmein1 letmein123 letmein1234 login login123
trustno1 trustno1trustno1 master master123 master1234 secret secret123 secretpassword supersecret
supersecret1 mypassword mypassword1 mypassword123 thisismypassword mypass123 newpassword
newpassword1 newpassword123 password! password1! password123! passwordpassword
iloveyou1 iloveyou12 iloveyou123 iloveyou1234 iloveyou2 loveyou123 lovely123 love123456
monkey monkey123 monkey1234 dragon dragon123 dragon1234 shadow shadow123 sunshine sunshine1
sunshine123 princess princess1 princess123 football football1 football123 baseball baseball1
baseball123 basketball soccer soccer123 hockey hockey123 superman superman123 batman batman123
batman12345 spiderman starwars starwars123 pokemon pokemon123 computer computer123 internet
internet123 whatever whatever123 freedom freedom123 michael michael123 jennifer jennifer123
jordan23 charlie charlie123 liverpool liverpool1 liverpool123 chelsea chelsea123 arsenal
arsenal123 barcelona barcelona123 realmadrid realmadrid123 manchester manchester123 juventus
blink182 myspace1 myspace123 fuckyou fuckyou123 asshole killer killer123 hunter2 hunter123
qwerty1! qwerty123! zxcvbnm1 abc123abc abc123456789 google google123 facebook facebook123
samsung samsung123 apple123 iphone123 linkedin linkedin123 microsoft microsoft123 tollgate
tollgate123 tollgate1234 sms123456 smsgateway
contraseña contrasena contraseña1 contrasena1 contraseña123 contrasena123 contraseña1234
contrasena1234 micontraseña micontrasena teamo teamo123 teamo1234 teamo12345 tequiero
tequiero123 hola123456 holahola holahola123 amor123456 amormio amormio123 mariposa
mariposa123 princesa princesa123 futbol futbol123 barcelona1 madrid123 españa espana espana123
`;

const BASES = [
  'password',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'qwerty',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'welcome',
  'letmein',
  'iloveyou',
  'admin',
  'administrator',
  'changeme',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'master',
  'shadow',
  'superman',
  'batman',
  'trustno1',
  'whatever',
  'starwars',
  'pokemon',
  'computer',
  'internet',
  'secret',
  'summer',
  'winter',
  'spring',
  'autumn',
  'hello',
  'freedom',
  'michael',
  'jennifer',
  'charlie',
  'liverpool',
  'chelsea',
  'arsenal',
  'barcelona',
  'tollgate',
  'contraseña',
  'contrasena',
  'teamo',
  'hola',
  'login',
  'test',
  'abc',
  'abcd',
  'love',
  'mypassword',
  'default',
  'guest',
  'root',
  'user',
];

const SUFFIXES = [
  '',
  '1',
  '12',
  '123',
  '1234',
  '12345',
  '123456',
  '1234567',
  '12345678',
  '123456789',
  '!',
  '1!',
  '12!',
  '123!',
  '1234!',
  '01',
  '69',
  '007',
  '@123',
  '#1',
  '2k',
  '00',
  '11',
  '99',
];

function years(): string[] {
  const out: string[] = [];
  for (let year = 1960; year <= 2035; year++) out.push(String(year), `${year}!`, `@${year}`);
  for (let short = 0; short <= 99; short++) out.push(String(short).padStart(2, '0'));
  return out;
}

const COMMON: ReadonlySet<string> = (() => {
  const set = new Set(TOP.split(/\s+/).filter(Boolean));
  const suffixes = [...SUFFIXES, ...years()];
  for (const base of BASES) {
    for (const suffix of suffixes) {
      set.add(`${base}${suffix}`);
      set.add(`${suffix}${base}`);
    }
  }
  return set;
})();

/** Keyboard rows and the alphabet, for "a run of neighbouring keys" checks. */
const WALKS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'abcdefghijklmnopqrstuvwxyz'];

function isWalk(lower: string): boolean {
  return WALKS.some((row) => {
    const reversed = [...row].reverse().join('');
    return row.includes(lower) || reversed.includes(lower);
  });
}

export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  return COMMON.has(lower) || isWalk(lower);
}
