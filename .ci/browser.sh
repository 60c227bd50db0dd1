# Sourced by .ci/run: Debian's headless Chromium for the public site's browser tests.
#
# browser_ready installs Debian's chromium, chromium-driver and fonts-noto-cjk when the
# browser, its driver or the CJK fonts are missing, and exports
# RANDOM_INSPECTION_REQUIRE_BROWSER=1 (a browser test that cannot start Chromium then fails
# instead of being skipped). Nothing downloads a browser of its own: the tests point
# Selenium at /usr/bin/chromium and /usr/bin/chromedriver, and SE_OFFLINE=true keeps
# Selenium Manager from fetching anything.

browser_ready() {
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] ||
        ! fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null; then
        echo "browser: installing Debian's chromium, chromium-driver and fonts-noto-cjk" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium chromium-driver fonts-noto-cjk >/dev/null
    fi
    export RANDOM_INSPECTION_REQUIRE_BROWSER=1
    export SE_OFFLINE=true
    echo "browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)," \
        "$(/usr/bin/chromedriver --version 2>/dev/null | cut -d' ' -f1-2)"
}
