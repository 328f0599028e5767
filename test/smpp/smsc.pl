#!/usr/bin/perl
# An SMSC for the SMPP carrier's tests, written on Net::SMPP (Debian's libnet-smpp-perl), so the
# carrier is checked against an implementation that shares nothing with the npm `smpp` package
# it is built on. It decodes what it receives itself: the UDH, GSM 03.38 through Perl's own
# Encode::GSM0338 (unpacked septets, or packed ones with the fill bits after the header),
# Latin-1 and UCS-2 through Encode.
#
#   perl smsc.pl --port N [--system-id ID --password PW --first-id N --gsm-packed]
#
# It speaks JSON lines: events on standard output, commands on standard input.
#   events   {"event":"listening","port":N}  {"event":"bind",…}  {"event":"submit_sm",…}
#            {"event":"deliver_sm_resp",…}  {"event":"closed"}  {"event":"done","tag":T}
#   commands {"cmd":"throttle","sequence":2,"times":6}   answer ESME_RTHROTTLED to the next 6
#                                                        submit_sm carrying part 2 (no sequence:
#                                                        any submit_sm; "destination":"44…":
#                                                        only those to that number)
#            {"cmd":"crash_on","sequence":2,"skip":1}     die, unanswered, on the 2nd submit_sm
#                                                        carrying part 2 (as kill -9 would)
#            {"cmd":"receipt","id":"1F","stat":"DELIVRD","form":"text"|"tlv","err":"000",
#             "decimal":true}                            a delivery receipt, its id written in
#                                                        decimal in the text when asked
# Every command is answered {"event":"done","tag":…} once in force. Message ids are hex,
# counted from --first-id, so a restarted SMSC never gives an id twice.
use strict;
use warnings;
use Encode qw(decode);
use Getopt::Long;
use IO::Select;
use JSON::PP;
use Net::SMPP;
use Time::HiRes qw(time);

my ($port, $system_id, $password, $next_id, $gsm_packed) = (0, 'tollgate', 'secret', 1, 0);
GetOptions(
    'port=i'      => \$port,
    'system-id=s' => \$system_id,
    'password=s'  => \$password,
    'first-id=i'  => \$next_id,
    'gsm-packed'  => \$gsm_packed,
) or die "usage: smsc.pl --port N [--system-id ID --password PW --first-id N --gsm-packed]\n";

my $json = JSON::PP->new->utf8->canonical;
$| = 1;

sub emit {
    my ($event) = @_;
    $event->{at} = sprintf('%.3f', time() * 1000) + 0;
    print $json->encode($event), "\n";
}

my $listener = Net::SMPP->new_listen('127.0.0.1', port => $port, smpp_version => 0x34)
  or die "cannot listen on port $port: $!\n";
emit({ event => 'listening', port => $listener->sockport });

my $select = IO::Select->new($listener, \*STDIN);
my %bound;       # fileno => connection, bound as a transceiver
my @throttles;   # { sequence, times }
my @crashes;     # { sequence, skip }
my %sent_to;     # message id => [source, destination] of its submit_sm
my $stdin = '';

# The concatenation header of a short_message whose esm_class has UDHI.
sub read_udh {
    my ($sm) = @_;
    my $udhl = ord(substr($sm, 0, 1));
    my $udh = substr($sm, 1, $udhl);
    my ($reference, $total, $sequence);
    for (my $i = 0; $i + 1 < length $udh;) {
        my ($iei, $len) = unpack('CC', substr($udh, $i, 2));
        my @data = unpack('C*', substr($udh, $i + 2, $len));
        if ($iei == 0x00 && $len == 3) { ($reference, $total, $sequence) = @data }
        if ($iei == 0x08 && $len == 4) { ($reference, $total, $sequence) = ($data[0] * 256 + $data[1], $data[2], $data[3]) }
        $i += 2 + $len;
    }
    return ($udhl + 1, defined $reference ? { reference => $reference, total => $total, sequence => $sequence } : undef);
}

# Packed septets (3GPP TS 23.038 6.1.2.1.1) as one octet each, after `fill` bits; a CR that
# fills the 7 spare bits of the last octet is not part of the text.
sub unpack_septets {
    my ($octets, $fill) = @_;
    my $bits = unpack('b*', $octets);
    my $count = int((length($bits) - $fill) / 7);
    my @septets = map { oct('0b' . reverse(substr($bits, $fill + $_ * 7, 7))) } 0 .. $count - 1;
    pop @septets if @septets && $septets[-1] == 0x0d && ($fill + $count * 7) % 8 == 0;
    return pack('C*', @septets);
}

sub decode_text {
    my ($data_coding, $body, $header_octets) = @_;
    return decode('UTF-16BE', $body) if $data_coding == 8;
    return decode('iso-8859-1', $body) if $data_coding == 3;
    if ($data_coding == 0 || $data_coding == 1) {
        if ($gsm_packed) {
            my $fill = $header_octets ? (7 - ($header_octets * 8) % 7) % 7 : 0;
            $body = unpack_septets($body, $fill);
        }
        return decode('gsm0338', $body);
    }
    return undef;
}

sub on_submit {
    my ($conn, $pdu) = @_;
    my $sm = $pdu->{short_message} // '';
    my ($header_octets, $udh) = (0, undef);
    ($header_octets, $udh) = read_udh($sm) if ($pdu->{esm_class} & 0x40);
    my $body = substr($sm, $header_octets);
    my $submit = {
        event               => 'submit_sm',
        seq                 => $pdu->{seq},
        source_addr         => $pdu->{source_addr},
        source_addr_ton     => $pdu->{source_addr_ton},
        destination_addr    => $pdu->{destination_addr},
        esm_class           => $pdu->{esm_class},
        data_coding         => $pdu->{data_coding},
        registered_delivery => $pdu->{registered_delivery},
        short_message       => unpack('H*', $sm),
        udh                 => $udh,
        text                => decode_text($pdu->{data_coding}, $body, $header_octets),
    };
    my $sequence = $udh ? $udh->{sequence} : undef;
    my $matches = sub {
        my $rule = shift;
        return 0 if defined $rule->{destination} && $rule->{destination} ne $pdu->{destination_addr};
        return !defined $rule->{sequence} || (defined $sequence && $sequence == $rule->{sequence});
    };
    for my $crash (@crashes) {
        next unless $matches->($crash);
        if ($crash->{skip}-- > 0) { next }
        $submit->{status} = 'crashed';
        emit($submit);
        kill 'KILL', $$;
    }
    @crashes = grep { $_->{skip} >= 0 } @crashes;
    my $status = 0;
    for my $throttle (@throttles) {
        next unless $throttle->{times} > 0 && $matches->($throttle);
        $throttle->{times}--;
        $status = 0x58;
        last;
    }
    # Told before it is answered: whoever reads the events never misses an accepted part.
    $submit->{status} = $status;
    if ($status) {
        emit($submit);
        $conn->submit_sm_resp(seq => $pdu->{seq}, status => $status, message_id => '');
    } else {
        my $id = sprintf('%X', $next_id++);
        $sent_to{$id} = [$pdu->{source_addr}, $pdu->{destination_addr}];
        $submit->{message_id} = $id;
        emit($submit);
        $conn->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
    }
}

# SMPP 3.4 message_state of a final stat.
my %STATE = (DELIVRD => 2, EXPIRED => 3, DELETED => 4, UNDELIV => 5, ACCEPTD => 6, UNKNOWN => 7, REJECTD => 8, ENROUTE => 1);

sub send_receipt {
    my ($command) = @_;
    my ($conn) = values %bound;
    die "no bound session for a receipt\n" unless $conn;
    my $id = $command->{id};
    my $stat = $command->{stat};
    my $written = $command->{decimal} ? sprintf('%d', hex $id) : $id;
    my ($source, $destination) = @{ $sent_to{$id} // ['Tollgate', '0'] };
    my $text = sprintf('id:%s sub:001 dlvrd:%s submit date:2501011200 done date:2501011201 stat:%s err:%s text:',
        $written, $stat eq 'DELIVRD' ? '001' : '000', $stat, $command->{err} // '000');
    my @tlvs = ($command->{form} // 'text') eq 'tlv'
      ? (receipted_message_id => "$id\0", message_state => pack('C', $STATE{$stat} // 7))
      : ();
    my $seq = $conn->deliver_sm(
        source_addr      => $destination,
        destination_addr => $source,
        esm_class        => 0x04,
        data_coding      => 0,
        short_message    => $text,
        async            => 1,
        @tlvs,
    );
    emit({ event => 'deliver_sm', seq => $seq, id => $id, stat => $stat, form => $command->{form} // 'text' });
}

sub on_command {
    my ($command) = @_;
    my $cmd = $command->{cmd} // '';
    if ($cmd eq 'throttle') {
        push @throttles, { sequence => $command->{sequence}, destination => $command->{destination}, times => $command->{times} // 1 };
    } elsif ($cmd eq 'crash_on') {
        push @crashes, { sequence => $command->{sequence}, skip => $command->{skip} // 0 };
    } elsif ($cmd eq 'receipt') {
        send_receipt($command);
    } else {
        die "unknown command: $cmd\n";
    }
    emit({ event => 'done', tag => $command->{tag} });
}

sub on_pdu {
    my ($conn, $pdu) = @_;
    my $cmd = $pdu->{cmd};
    if ($cmd == 0x00000009) {    # bind_transceiver
        my $ok = ($pdu->{system_id} // '') eq $system_id && ($pdu->{password} // '') eq $password;
        $conn->bind_transceiver_resp(seq => $pdu->{seq}, status => $ok ? 0 : 0x0e, system_id => 'net-smpp-smsc');
        $bound{ fileno $conn } = $conn if $ok;
        emit({ event => 'bind', ok => $ok ? JSON::PP::true : JSON::PP::false });
    } elsif ($cmd == 0x00000004) {
        if ($bound{ fileno $conn }) { on_submit($conn, $pdu) }
        else { $conn->submit_sm_resp(seq => $pdu->{seq}, status => 0x04, message_id => '') }
    } elsif ($cmd == 0x00000015) {
        $conn->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == 0x80000005) {
        emit({ event => 'deliver_sm_resp', seq => $pdu->{seq}, status => $pdu->{status} });
    } elsif ($cmd == 0x00000006) {
        $conn->unbind_resp(seq => $pdu->{seq});
        emit({ event => 'unbind' });
        close_connection($conn);
    } elsif (!($cmd & 0x80000000)) {
        $conn->generic_nack(seq => $pdu->{seq}, status => 0x03);
    }
}

sub close_connection {
    my ($conn) = @_;
    delete $bound{ fileno $conn };
    $select->remove($conn);
    close $conn;
    emit({ event => 'closed' });
}

while (1) {
    for my $handle ($select->can_read) {
        if ($handle == $listener) {
            my $conn = $listener->accept or next;
            $select->add($conn);
        } elsif (fileno($handle) == fileno(STDIN)) {
            my $read = sysread(STDIN, $stdin, 65536, length $stdin);
            exit 0 unless $read;    # the test is gone
            while ($stdin =~ s/^([^\n]*)\n//) {
                on_command($json->decode($1)) if length $1;
            }
        } else {
            my $pdu = $handle->read_pdu;
            if ($pdu) { on_pdu($handle, $pdu) }
            else { close_connection($handle) }
        }
    }
}
