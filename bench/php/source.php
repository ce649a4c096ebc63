<?php
// The coreBOS seed's source.php (from coreBOS's "Server Side Events" wiki page), unchanged but for two
// things: ?interval_ms= sets the pace (default 1000, the seed's sleep(1)) so
// the baseline runs at the same pace as our server in the same benchmark, and
// $progress has a default, because PHP 8 refuses the seed's two-argument
// send_message('CLOSE', ...) call with an ArgumentCountError.
header('Content-Type: text/event-stream');
header('Cache-Control: no-cache'); // recommended to prevent caching of event data.

function send_message($id, $message, $progress = null) {
	$d = array(
		'message' => $message,
		'progress' => $progress
	);
	echo "id: $id" . PHP_EOL;
	echo "data: " . json_encode($d) . PHP_EOL;
	echo PHP_EOL;
	@ob_flush();
	flush();
}

$interval = isset($_GET['interval_ms']) ? intval($_GET['interval_ms']) : 1000;

// LONG RUNNING TASK
for ($i = 1; $i <= 10; $i ++) {
	send_message( $i, 'on iteration ' . $i . ' of 10', $i * 10 );
	usleep($interval * 1000);
}

send_message('CLOSE', 'Process complete');
?>
