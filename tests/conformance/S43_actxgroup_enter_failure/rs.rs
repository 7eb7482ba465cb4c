//! S43 — `actxgroup` strict enter failure (R69).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// The three managers of the scenario, as one type (actxgroup takes a list of one type).
enum Cm {
    /// cm1: enter `await sleep(2); log("cm1 entered")`, exit `log("cm1 exited")`
    One,
    /// cm2: enter `await sleep(1); raise ValueError("cm2")`
    Two,
    /// cm3: enter `log("cm3 entered")`, value "v3", exit `log("cm3 exited")`
    Three,
}

impl AsyncContextManager for Cm {
    type Value = &'static str;
    async fn enter(&mut self) -> Result<&'static str> {
        match self {
            Cm::One => {
                sleep_ms(2).await?;
                log("cm1 entered")?;
                Ok("v1")
            }
            Cm::Two => {
                sleep_ms(1).await?;
                Err(Error::user("ValueError", "cm2"))
            }
            Cm::Three => {
                log("cm3 entered")?;
                Ok("v3")
            }
        }
    }
    async fn exit(self, _error: Option<&Error>) -> Result<bool> {
        match self {
            Cm::One => log("cm1 exited")?,
            Cm::Two => log("cm2 exited")?,
            Cm::Three => log("cm3 exited")?,
        }
        Ok(false)
    }
}

/// "[ValueError:cm2]": the ErrorGroup's members.
fn kinds(eg: &Error) -> String {
    let m: Vec<String> = eg.group_errors().iter().map(|e| e.to_string()).collect();
    format!("[{}]", m.join(", "))
}

pub async fn main() -> Result<()> {
    let g = actxgroup([Cm::One, Cm::Two, Cm::Three]).names("e", "x");
    match g.run(|_values| async { log("body") }).await {
        Err(eg) if eg.is_group() => log(&format!("eg={}", kinds(&eg))),
        other => other,
    }
}
