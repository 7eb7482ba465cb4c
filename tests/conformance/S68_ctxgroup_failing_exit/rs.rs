//! S68 — Context group with one failing exit (R69, R67).
use corral::*;

pub const OUTCOME: Option<ErrorKind> = None;

/// The three managers of the scenario, as one type (actxgroup takes a list of one type).
enum Cm {
    /// cm1: enter `log("cm1 entered")`, value "v1"; exit `await sleep(2); log("cm1 exited")`
    One,
    /// cm2: enter `await sleep(1)`, value "v2"; exit `await sleep(1); raise ValueError("x2")`
    Two,
    /// cm3: enter value "v3"; exit `log("cm3 exited")`
    Three,
}

impl AsyncContextManager for Cm {
    type Value = &'static str;
    async fn enter(&mut self) -> Result<&'static str> {
        match self {
            Cm::One => {
                log("cm1 entered")?;
                Ok("v1")
            }
            Cm::Two => {
                sleep_ms(1).await?;
                Ok("v2")
            }
            Cm::Three => Ok("v3"),
        }
    }
    async fn exit(self, _error: Option<&Error>) -> Result<bool> {
        match self {
            Cm::One => {
                sleep_ms(2).await?;
                log("cm1 exited")?;
            }
            Cm::Two => {
                sleep_ms(1).await?;
                return Err(Error::user("ValueError", "x2"));
            }
            Cm::Three => log("cm3 exited")?,
        }
        Ok(false)
    }
}

/// "[ValueError:x2]": the ErrorGroup's members.
fn kinds(eg: &Error) -> String {
    let m: Vec<String> = eg.group_errors().iter().map(|e| e.to_string()).collect();
    format!("[{}]", m.join(", "))
}

/// "none" or the error text.
fn state(s: &Option<Error>) -> String {
    s.as_ref().map_or("none".into(), |e| e.to_string())
}

pub async fn main() -> Result<()> {
    let g = actxgroup([Cm::One, Cm::Two, Cm::Three]).names("e", "x");
    let r = g
        .run(|values| async move {
            let values = values.into_iter().collect::<Result<Vec<_>>>()?;
            log(&format!("body {}", values.join(",")))
        })
        .await;
    match r {
        Err(eg) if eg.is_group() => log(&format!("eg={}", kinds(&eg)))?,
        other => other?,
    }
    let states: Vec<String> = g.exit_states().iter().map(state).collect();
    log(&format!("states={}", states.join(",")))
}
